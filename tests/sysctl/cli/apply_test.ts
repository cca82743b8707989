/**
 * `sysctl apply` as a subprocess. Two tests need root: a real apply inside
 * a private network namespace (`unshare -n`; the keepalive sysctls are per
 * namespace) and the refusal of a non-root user (run as `nobody`). They
 * never write the host's /etc or the host namespace's /proc/sys: the
 * configuration goes to a temporary --root and the kernel write happens in
 * the private namespace.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ignoreUnless, IS_ROOT } from "../../_helpers/needs.ts";
import { cli, cliIn, MAIN, REPO, tempRoot, TIME } from "../_helpers.ts";

const ignore = ignoreUnless(
  "root (unshare -n, setpriv)",
  IS_ROOT,
  "tests/sysctl/cli/apply_test.ts",
);

const IPV4 = "/proc/sys/net/ipv4";

async function hostValues(): Promise<number[]> {
  const values: number[] = [];
  for (const field of ["time", "intvl", "probes"]) {
    const text = await Deno.readTextFile(`${IPV4}/tcp_keepalive_${field}`);
    values.push(Number(text.trim()));
  }
  return values;
}

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

Deno.test({
  name:
    "apply in a private network namespace changes the kernel values there and not in the host's",
  ignore,
  async fn() {
    const before = await hostValues();
    const hostNs = await Deno.readLink("/proc/self/ns/net");
    // Values that differ from the host's, so that a leak would show.
    const want = [61, 17, 4].map((v, i) => v === before[i] ? v + 1 : v);
    await using t = await tempRoot();
    await t.write("/etc/sysctl.conf", "kernel.panic = 10\n");
    const script =
      `"$0" run -A "$1" apply --root "$2" --time "$3" --intvl "$4" --probes "$5"
echo "exit=$?"
cat ${IPV4}/tcp_keepalive_time ${IPV4}/tcp_keepalive_intvl ${IPV4}/tcp_keepalive_probes
readlink /proc/self/ns/net`;
    const output = await new Deno.Command("unshare", {
      args: [
        "-n",
        "--",
        "sh",
        "-c",
        script,
        Deno.execPath(),
        MAIN,
        t.root,
        ...want.map(String),
      ],
      cwd: REPO,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const lines = stdout.trimEnd().split("\n");
    const tail = lines.slice(-5);
    assert.equal(tail[0], "exit=0", stdout + stderr);
    assert.deepEqual(tail.slice(1, 4).map(Number), want, stdout);
    assert.notEqual(tail[4], hostNs);
    // A fresh namespace starts from the kernel defaults, not the host's values.
    assert.match(stdout, /net\.ipv4\.tcp_keepalive_time {5}7200 {4}\d+/);
    assert.match(stdout, /Applied: wrote \/etc\/sysctl\.conf.*read them back/);
    assert.match(
      await t.read("/etc/sysctl.conf"),
      new RegExp(`net\\.ipv4\\.tcp_keepalive_time = ${want[0]}\\n`),
    );
    assert.deepEqual(await hostValues(), before);
  },
});

Deno.test({
  name:
    "apply refuses a non-root user with exit 4, and --dry-run works for anyone",
  ignore,
  async fn() {
    await using t = await tempRoot();
    const base = join(t.root, "..");
    await t.write("/etc/sysctl.conf", "kernel.panic = 10\n");
    // nobody needs a DENO_DIR of its own holding the npm packages used.
    const info = JSON.parse(
      new TextDecoder().decode(
        (await new Deno.Command(Deno.execPath(), {
          args: ["info", "--json"],
          stdout: "piped",
          stderr: "null",
        }).output()).stdout,
      ),
    );
    const denoDir = join(base, "deno_dir");
    const npm = join(denoDir, "npm", "registry.npmjs.org");
    await Deno.mkdir(npm, { recursive: true });
    for (const name of ["zod", "diff"]) {
      const copy = await new Deno.Command("cp", {
        args: ["-r", join(info.npmCache, "registry.npmjs.org", name), npm],
      }).output();
      assert.equal(copy.code, 0, `cannot copy the npm package ${name}`);
    }
    const chown = await new Deno.Command("chown", {
      args: ["-R", "65534:65534", denoDir],
    }).output();
    assert.equal(chown.code, 0);
    await Deno.chmod(base, 0o755);
    const asNobody = {
      prefix: [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "env",
        `DENO_DIR=${denoDir}`,
        `HOME=${denoDir}`,
      ],
      denoFlags: ["--cached-only"],
    };
    const args = ["apply", "--root", t.root, "--time", "60", "--no-runtime"];
    const run = (extra: string[]) => cli(extra, asNobody);
    const apply = await run(args);
    assert.equal(apply.code, 4, apply.stderr);
    assert.equal(
      apply.stderr,
      "sysctl apply: must run as root (uid 0), running as uid 65534; --dry-run shows what it would do\n",
    );
    const restore = await run(["restore", "--root", t.root]);
    assert.equal(restore.code, 4, restore.stderr);
    assert.equal(await t.read("/etc/sysctl.conf"), "kernel.panic = 10\n");
    await assert.rejects(
      () => Deno.stat(join(t.root, "var")),
      Deno.errors.NotFound,
    );

    const dry = await run([...args, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\+net\.ipv4\.tcp_keepalive_time = 60\n/);
    assert.match(dry.stdout, /Dry run: nothing was written/);
    assert.equal(await t.read("/etc/sysctl.conf"), "kernel.panic = 10\n");
  },
});

Deno.test("a missing --root exits 2 and is not created", async () => {
  await using t = await tempRoot();
  const root = join(t.root, "missing");
  const result = await cli(["apply", "--time", "60", "--root", root]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /^sysctl apply: --root: Cannot use ".*\/missing": expected an existing directory/,
  );
  await assert.rejects(() => Deno.stat(root), Deno.errors.NotFound);
});

Deno.test({
  name:
    "with a read-only /proc/sys apply puts the file back, says why, and restore still undoes the last good apply",
  ignore,
  async fn() {
    await using t = await tempRoot();
    await t.write("/etc/sysctl.conf", `${TIME} = 900\n`);
    const good = await cliIn(t, ["apply", "--time", "60"]);
    assert.equal(good.code, 0, good.stderr);
    // A container's /proc/sys: the same files, mounted read-only, in a
    // mount namespace of the apply's own.
    const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
"$0" run -A "$2" apply --time 30 --root "$3" --proc "$4"`;
    const output = await new Deno.Command("unshare", {
      args: [
        "-m",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        script,
        Deno.execPath(),
        join(t.proc, "sys"),
        MAIN,
        t.root,
        t.proc,
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 5, stderr);
    assert.match(stderr, /\/proc\/sys is read-only here/);
    assert.match(stderr, /rolled back: \/etc\/sysctl\.conf restored$/m);
    assert.doesNotMatch(stderr, /ROLLBACK FAILED/);
    assert.equal(await t.read("/etc/sysctl.conf"), `${TIME} = 60\n`);
    assert.equal((await t.runtime()).time, 60);
    const restore = await cliIn(t, ["restore"]);
    assert.equal(restore.code, 0, restore.stderr);
    assert.equal(await t.read("/etc/sysctl.conf"), `${TIME} = 900\n`);
    assert.equal((await t.runtime()).time, 7200);
  },
});
