import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, cliIn, tempRoot, TIME } from "./_helpers.ts";

Deno.test("every command answers --help with its usage", async () => {
  for (const command of ["show", "plan", "diff", "check", "apply", "restore"]) {
    const result = await cli([command, "--help"]);
    assert.equal(result.code, 0, command);
    assert.match(
      result.stdout,
      new RegExp(`^Usage: deno task sysctl ${command}`),
    );
  }
  const top = await cli(["--help"]);
  assert.equal(top.code, 0);
  assert.match(
    top.stdout,
    /Exit codes: 0 ok, 1 diff has changes, 2 usage error/,
  );
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^sysctl: missing command; expected show, plan/);
  assert.equal(none.stderr.trimEnd().split("\n").length, 1);
});

Deno.test("bad values and bad usage exit 2 with one line and write nothing", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", `${TIME} = 900\n`);
  const cases: [string[], RegExp][] = [
    [
      ["apply", "--time", "0"],
      /Invalid net\.ipv4\.tcp_keepalive_time "0": expected an integer from 1 to 32767 seconds/,
    ],
    [
      ["apply", "--probes", "200"],
      /Invalid net\.ipv4\.tcp_keepalive_probes "200": expected an integer from 1 to 127 probes/,
    ],
    [
      ["diff", "--intvl", "ten"],
      /Invalid net\.ipv4\.tcp_keepalive_intvl "ten"/,
    ],
    [["diff"], /diff needs desired values/],
    [["check", "--detect-within", "soon"], /Cannot parse duration "soon"/],
    [
      ["apply", "--time", "5", "--no-runtime", "--runtime-only"],
      /exclude each other/,
    ],
    [["diff", "--time", "5", "--frobnicate"], /frobnicate/],
    [
      ["diff", "--time", "5", "--file", "sysctl.conf"],
      /Invalid --file "sysctl\.conf"/,
    ],
    [["plan"], /plan needs --detect-within/],
    [["plan", "--detect-within", "1s"], /at least 2 seconds/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const result = ["plan", "frobnicate"].includes(args[0])
      ? await cli(args)
      : await cliIn(t, args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  }
  assert.equal(await t.read("/etc/sysctl.conf"), `${TIME} = 900\n`);
  await assert.rejects(
    () => Deno.stat(join(t.root, "var")),
    Deno.errors.NotFound,
  );
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });
});

Deno.test("plan proposes values within the budget; diff, check and apply take them", async () => {
  const plan = await cli(["plan", "--detect-within", "2m"]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /tcp_keepalive_time {3}= 60\n/);
  assert.match(plan.stdout, /Worst case: 60 \+ 3 × 20 = 120s \(2min\)/);
  assert.match(plan.stdout, /noticed within 2min/);
  const json = JSON.parse(
    (await cli(["plan", "--detect-within", "90s", "--probes", "5", "--json"]))
      .stdout,
  );
  assert.equal(json.settings.probes, 5);
  assert.ok(json.detectionSeconds <= 90);

  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", `kernel.panic = 10\n${TIME}=7200`);
  const diff = await cliIn(t, ["diff", "--detect-within", "2m"]);
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(
    diff.stdout,
    /^--- a\/etc\/sysctl\.conf\n\+\+\+ b\/etc\/sysctl\.conf\n@@/,
  );
  assert.match(
    diff.stdout,
    /\n-net\.ipv4\.tcp_keepalive_time=7200\n\\ No newline at end of file\n\+net\.ipv4\.tcp_keepalive_time=60\n/,
  );
  assert.match(diff.stdout, /net\.ipv4\.tcp_keepalive_intvl {4}75 {6}20/);

  const drift = await cliIn(t, ["check", "--detect-within", "2m"]);
  assert.equal(drift.code, 3);
  assert.match(
    drift.stdout,
    /drift: file \/etc\/sysctl\.conf:2: net\.ipv4\.tcp_keepalive_time is 7200, want 60/,
  );
  assert.match(
    drift.stdout,
    /drift: file \/etc\/sysctl\.conf: net\.ipv4\.tcp_keepalive_probes is not set, want 3/,
  );
  assert.match(
    drift.stdout,
    /drift: runtime: net\.ipv4\.tcp_keepalive_probes is 9, want 3/,
  );

  const apply = await cliIn(t, ["apply", "--detect-within", "2m"]);
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(apply.stdout, /Applied: wrote \/etc\/sysctl\.conf/);
  assert.deepEqual(await t.runtime(), { time: 60, intvl: 20, probes: 3 });

  const clean = await cliIn(t, ["diff", "--detect-within", "2m"]);
  assert.equal(clean.code, 0);
  assert.match(
    clean.stdout,
    /No change to \/etc\/sysctl\.conf\nRuntime.*: no change/,
  );
  const ok = await cliIn(t, ["check", "--time", "60", "--intvl", "20"]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^OK: /);

  const preview = await cliIn(t, ["restore", "--dry-run"]);
  assert.equal(preview.code, 0, preview.stderr);
  assert.match(preview.stdout, /\n\+net\.ipv4\.tcp_keepalive_time=7200\n/);
  assert.match(preview.stdout, /Dry run: nothing was written\n$/);
  assert.deepEqual(await t.runtime(), { time: 60, intvl: 20, probes: 3 });

  const restore = await cliIn(t, ["restore"]);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(
    await t.read("/etc/sysctl.conf"),
    `kernel.panic = 10\n${TIME}=7200`,
  );
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });
});
