import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, cliIn, tempRoot } from "./sysctl_helpers.ts";

const TIME = "net.ipv4.tcp_keepalive_time";

Deno.test("show prints runtime and boot values with file:line, the detection time and warnings", async () => {
  await using t = await tempRoot({ time: 7200, intvl: 75, probes: 9 });
  await t.write("/etc/sysctl.conf", `# site\n${TIME} = 600\n`);
  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  await t.write(
    "/usr/lib/sysctl.d/50-vendor.conf",
    "net.ipv4.tcp_keepalive_probes = 5\n",
  );
  const text = await cliIn(t, ["show"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /Network namespace: net:\[4026532000\] \(not the host's\)/,
  );
  assert.match(
    text.stdout,
    /boot, procps {4}600 {4}\/etc\/sysctl\.conf:2\n/,
  );
  assert.match(
    text.stdout,
    /boot, systemd {3}600 {4}\/etc\/sysctl\.d\/99-sysctl\.conf:2 \(\/etc\/sysctl\.conf\)/,
  );
  assert.match(
    text.stdout,
    /boot, procps {4}5 {6}\/usr\/lib\/sysctl\.d\/50-vendor\.conf:1/,
  );
  assert.match(text.stdout, /runtime {9}2h 11min 15s/);
  assert.match(text.stdout, /boot, procps {4}16min 15s/);
  assert.match(text.stdout, /not the host's and still has the kernel defaults/);

  const json = await cliIn(t, ["show", "--json"]);
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(report.runtime, { time: 7200, intvl: 75, probes: 9 });
  assert.equal(report.runtimeDetectionSeconds, 7875);
  assert.deepEqual(report.boot.systemd.effective, {
    time: 600,
    intvl: 75,
    probes: 5,
  });
  assert.equal(report.boot.procps.settings.time.line, 2);
  // A key no file sets is there as null: the kernel default applies.
  assert.ok("intvl" in report.boot.systemd.settings);
  assert.equal(report.boot.systemd.settings.intvl, null);
  assert.equal(report.boot.procps.detectionSeconds, 600 + 5 * 75);
  assert.equal(report.namespace.initial, false);
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

Deno.test("apply --no-runtime writes only the file and --runtime-only only the kernel", async () => {
  await using t = await tempRoot();
  const file = "/etc/sysctl.d/60-keepalive.conf";
  const fileOnly = await cliIn(t, [
    "apply",
    "--time",
    "300",
    "--no-runtime",
    "--file",
    file,
  ]);
  assert.equal(fileOnly.code, 0, fileOnly.stderr);
  assert.equal(
    await t.read(file),
    "# Managed by lifeline: deno task sysctl apply\nnet.ipv4.tcp_keepalive_time = 300\n",
  );
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });

  const runtimeOnly = await cliIn(t, [
    "apply",
    "--probes",
    "4",
    "--runtime-only",
    "--file",
    file,
  ]);
  assert.equal(runtimeOnly.code, 0, runtimeOnly.stderr);
  assert.doesNotMatch(await t.read(file), /probes/);
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 4 });

  const dry = await cliIn(t, ["apply", "--time", "30", "--dry-run"]);
  assert.equal(dry.code, 0);
  assert.match(
    dry.stdout,
    /\+net\.ipv4\.tcp_keepalive_time = 30\n[^]*Dry run: nothing was written/,
  );
  await assert.rejects(() => t.read("/etc/sysctl.conf"), Deno.errors.NotFound);
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

Deno.test("an apply that cannot read the kernel values exits 5 and writes nothing", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", `${TIME} = 900\n`);
  const probes = join(t.proc, "sys/net/ipv4/tcp_keepalive_probes");
  await Deno.remove(probes);
  await Deno.mkdir(probes);
  const result = await cliIn(t, ["apply", "--time", "60"]);
  assert.equal(result.code, 5);
  assert.match(result.stderr, /^sysctl apply: .*tcp_keepalive_probes/);
  assert.equal(await t.read("/etc/sysctl.conf"), `${TIME} = 900\n`);
  const time = join(t.proc, "sys/net/ipv4/tcp_keepalive_time");
  assert.equal(await Deno.readTextFile(time), "7200\n");
});

Deno.test("show reports each problem of the managed file once, even when procps reads it twice", async () => {
  await using t = await tempRoot();
  await t.write(
    "/etc/sysctl.conf",
    `${TIME} = 600 # ten minutes\nbroken line\n${TIME} = 300\n`,
  );
  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  const result = await cliIn(t, ["show"]);
  assert.equal(result.code, 0, result.stderr);
  const warnings = result.stdout.split("\n").filter((line) =>
    line.startsWith("  - /etc/sysctl")
  );
  assert.deepEqual(warnings, [
    `  - /etc/sysctl.conf:1: the kernel refuses "600 # ten minutes" for ${TIME} (a comment must be on a line of its own); left untouched and not counted as setting it`,
    `  - /etc/sysctl.conf:2: expected "key = value", found "broken line" (left untouched)`,
    `  - /etc/sysctl.conf: ${TIME} is set on lines 1, 3; the last (line 3) is effective`,
  ]);
});

Deno.test("plan warns when this network namespace is not the host's and still on the defaults", async () => {
  await using t = await tempRoot();
  const plan = await cli(["plan", "--detect-within", "2m", "--proc", t.proc]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(
    plan.stdout,
    /\nwarning: runtime: network namespace net:\[4026532000\] is not the host's and still has the kernel defaults 7200\/75\/9: .*apply --runtime-only/,
  );
  const json = JSON.parse(
    (await cli(["plan", "--detect-within", "2m", "--proc", t.proc, "--json"]))
      .stdout,
  );
  assert.equal(json.warnings.length, 1);
  await using host = await tempRoot(undefined, {
    self: "net:[4026531833]",
    init: "net:[4026531833]",
  });
  const quiet = await cli([
    "plan",
    "--detect-within",
    "2m",
    "--proc",
    host.proc,
  ]);
  assert.doesNotMatch(quiet.stdout, /warning/);
  const fraction = await cli(["plan", "--detect-within", "1500ms"]);
  assert.equal(fraction.code, 2);
  assert.match(fraction.stderr, /detection time of "1\.5s"/);
});
