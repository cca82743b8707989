/**
 * `deno task doctor` as a subprocess: help, usage errors, the JSON report
 * over a stand-in procfs, a running server's welcome, and a real run in a
 * private network namespace (`unshare -n`, root) with sysctls set there.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startAdmin } from "../../admin/mod.ts";
import { startServer } from "../../server/mod.ts";
import { hasProgram, ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";
import { REPO, runDeno } from "../_helpers/run.ts";
import { fakeProc } from "./_helpers.ts";

const MAIN = "doctor/main.ts";

Deno.test("doctor --help prints the usage and exits 0", async () => {
  const output = await runDeno(MAIN, ["--help"]);
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stdout, /^Usage: deno task doctor /);
  assert.match(
    output.stdout,
    /Presets: aws-nlb, aws-alb, gcp-internal-nlb, azure-lb, conntrack, cgnat/,
  );
});

Deno.test("doctor exits 2 with one line on stderr for a command line it cannot use", async () => {
  for (
    const [args, message] of [
      [
        ["--path", "aws"],
        'doctor: --path: Cannot use "aws": expected a preset',
      ],
      [
        ["--server", "h:1", "--timeout", "5s"],
        "doctor: --server cannot be combined with --timeout (see --help)",
      ],
      [
        ["--server", "127.0.0.1:1"],
        'doctor: --server: Cannot read the policy of "127.0.0.1:1": ',
      ],
      [["--bogus"], "doctor: Unknown option '--bogus'"],
    ] as const
  ) {
    const output = await runDeno(MAIN, [...args]);
    assert.equal(output.code, 2, args.join(" "));
    assert.equal(output.stdout, "");
    assert.equal(output.stderr.trimEnd().split("\n").length, 1, output.stderr);
    assert.ok(output.stderr.startsWith(message), output.stderr);
  }
});

Deno.test("doctor --json reports the values of --proc and exits 1 when a layer defeats another", async () => {
  await using t = await fakeProc({ time: 7200, intvl: 75, probes: 9 }, 8);
  const output = await runDeno(MAIN, [
    "--no-heartbeat",
    "--path",
    "azure-lb",
    "--proc",
    t.proc,
    "--root",
    t.root,
    "--json",
  ]);
  assert.equal(output.code, 1, output.stderr);
  const report = JSON.parse(output.stdout);
  assert.deepEqual(report.input.kernel.runtime, {
    time: 7200,
    intvl: 75,
    probes: 9,
  });
  assert.equal(report.input.kernel.retries2, 8);
  assert.deepEqual(report.findings.map((f: { id: string }) => f.id), [
    "keepalive_outlives_idle",
    "no_heartbeat_slow_keepalive",
    "no_heartbeat_frozen_peer",
  ]);
  assert.equal(report.exitCode, 1);
  const vanished = report.tables.find((t: { fault: string }) =>
    t.fault === "peer_vanished"
  );
  // Σ 200 ms · 2^i for i = 0..8 = 102.2 s, + 10 %
  assert.deepEqual(vanished.rows[0].detection, {
    outcome: "detected",
    minMs: 102_200,
    maxMs: 112_420,
  });
});

Deno.test("doctor exits 0 when nothing defeats anything", async () => {
  await using t = await fakeProc({ time: 60, intvl: 20, probes: 3 });
  const output = await runDeno(MAIN, [
    "--path",
    "aws-nlb",
    "--proc",
    t.proc,
    "--root",
    t.root,
  ]);
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stdout, /^Lifeline doctor: no findings\n/);
  assert.match(output.stdout, /^ {2}→ first: heartbeat, within 16s$/m);
});

Deno.test("doctor --server reads a running server's policy from its welcome", async () => {
  await using server = await startServer({
    port: 0,
    interval: 30_000,
    timeout: 90_000,
  });
  await using t = await fakeProc({ time: 60, intvl: 20, probes: 3 });
  const output = await runDeno(MAIN, [
    "--server",
    `127.0.0.1:${server.addr.port}`,
    "--client-interval",
    "5s",
    "--path",
    "cgnat",
    "--proc",
    t.proc,
    "--root",
    t.root,
    "--json",
  ]);
  assert.equal(output.code, 1, output.stderr);
  const report = JSON.parse(output.stdout);
  assert.equal(report.input.policy.intervalMs, 30_000);
  assert.equal(report.input.policy.timeoutMs, 90_000);
  assert.deepEqual(report.findings.map((f: { id: string }) => f.id), [
    "too_many_pings",
  ]);
  // Keepalive's 60 + 3 × 20 s is slower than the heartbeat's 90 s + 1 s tick.
  assert.deepEqual(report.notes.map((n: { id: string }) => n.id), [
    "keepalive_slower_than_heartbeat",
    "assumed_policy",
  ]);
});

Deno.test("doctor --admin reads the whole policy from a running server's admin endpoint, tick and ping limit included, with its token", async () => {
  await using server = await startServer({
    port: 0,
    interval: 30_000,
    timeout: 90_000,
    tick: 250,
    minPingInterval: 20_000,
    maxPingStrikes: 1,
  });
  const token = "a-doctor-test-token-0123";
  await using admin = await startAdmin(server, { port: 0, token });
  await using t = await fakeProc({ time: 60, intvl: 20, probes: 3 });
  const args = [
    "--admin",
    `127.0.0.1:${admin.addr.port}`,
    "--client-interval",
    "5s",
    "--proc",
    t.proc,
    "--root",
    t.root,
    "--json",
  ];
  const output = await runDeno(MAIN, [...args, "--admin-token", token]);
  assert.equal(output.code, 1, output.stderr);
  const { input, findings, notes } = JSON.parse(output.stdout);
  assert.equal(input.policy.intervalMs, 30_000);
  assert.equal(input.policy.timeoutMs, 90_000);
  assert.equal(input.policy.tickMs, 250);
  assert.equal(input.policy.minPingIntervalMs, 20_000);
  assert.equal(input.policy.maxPingStrikes, 1);
  assert.deepEqual(input.policy.assumed, []);
  assert.deepEqual(findings.map((f: { id: string }) => f.id), [
    "too_many_pings",
  ]);
  assert.ok(
    !notes.some((n: { id: string }) => n.id === "assumed_policy"),
    JSON.stringify(notes),
  );
  const refused = await runDeno(MAIN, args);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /^doctor: --admin: Cannot read http:\/\/127\.0\.0\.1:\d+\/stats: the admin endpoint wants a token \(--admin-token\)/,
  );
});

Deno.test({
  name:
    "doctor in a private network namespace reads the sysctls set there and compares them with the host's",
  ignore: ignoreUnless(
    "root, unshare and nsenter",
    IS_ROOT && hasProgram("unshare") && hasProgram("nsenter"),
    "tests/doctor/main_test.ts",
  ),
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const ipv4 = "/proc/sys/net/ipv4";
      const script =
        `echo 37 > ${ipv4}/tcp_keepalive_time && echo 7 > ${ipv4}/tcp_keepalive_intvl &&
echo 4 > ${ipv4}/tcp_keepalive_probes && echo 6 > ${ipv4}/tcp_retries2 &&
exec "$0" run -A "$1" --path cgnat --root "$2" --json`;
      const output = await new Deno.Command("unshare", {
        args: ["-n", "--", "sh", "-c", script, Deno.execPath(), MAIN, root],
        cwd: REPO,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 1, stderr);
      const report = JSON.parse(new TextDecoder().decode(output.stdout));
      const kernel = report.input.kernel;
      assert.deepEqual(kernel.runtime, { time: 37, intvl: 7, probes: 4 });
      assert.equal(kernel.retries2, 6);
      assert.notEqual(
        kernel.namespace.id,
        await Deno.readLink("/proc/self/ns/net"),
      );
      assert.equal(
        kernel.host.namespace,
        await Deno.readLink("/proc/self/ns/net"),
      );
      const host = await Promise.all(
        ["time", "intvl", "probes"].map(async (f) =>
          Number((await Deno.readTextFile(`${ipv4}/tcp_keepalive_${f}`)).trim())
        ),
      );
      assert.deepEqual(
        [
          kernel.host.values.time,
          kernel.host.values.intvl,
          kernel.host.values.probes,
        ],
        host,
      );
      assert.deepEqual(report.findings.map((f: { id: string }) => f.id), [
        "namespace_differs",
      ]);
      const vanished = report.tables.find((t: { fault: string }) =>
        t.fault === "peer_vanished"
      );
      // 37 + 4 × 7 s, and Σ 200 ms · 2^i for i = 0..6 = 25.4 s
      assert.deepEqual(
        vanished.rows.map((r: { detection: { maxMs: number } }) =>
          r.detection.maxMs
        ),
        [27_940, 65_000, 16_000],
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
