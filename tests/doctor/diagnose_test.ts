import assert from "node:assert/strict";
import { parseDuration } from "../../common/duration.ts";
import { diagnose } from "../../doctor/_diagnose.ts";
import type { DoctorInput } from "../../doctor/_mechanisms.ts";
import { serverPolicy } from "../../doctor/_policy.ts";
import { planKeepalive } from "../../sysctl/mod.ts";
import { hostKernel, input, path, policy } from "./_helpers.ts";

Deno.test("diagnose() exits 0 when nothing defeats anything and 1 with a finding", () => {
  const ok = diagnose(input({
    path: path("aws-nlb"),
    kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }),
  }));
  assert.deepEqual([ok.exitCode, ok.findings], [0, []]);
  const bad = diagnose(
    input({ policy: policy(400_000, 1_200_000), path: path("aws-nlb") }),
  );
  assert.equal(bad.exitCode, 1);
  assert.deepEqual(bad.findings.map((f) => f.id), [
    "heartbeat_outlives_idle",
    "keepalive_outlives_idle",
  ]);
  assert.equal(bad.tables.length, 4);
});

/** Applies the flags of a `deno task server` fix to the input. */
function withServerFix(given: DoctorInput, fix: string): DoctorInput {
  const interval = /--interval (\S+)/.exec(fix)?.[1];
  const timeout = /--timeout (\S+)/.exec(fix)?.[1];
  assert.ok(interval !== undefined && timeout !== undefined, fix);
  return {
    ...given,
    clientIntervalMs: undefined,
    policy: serverPolicy(parseDuration(interval), parseDuration(timeout)),
  };
}

/** Applies the plan of a `deno task sysctl plan --detect-within` fix. */
function withSysctlFix(given: DoctorInput, fix: string): DoctorInput {
  const budget = /--detect-within (\S+)/.exec(fix)?.[1];
  assert.ok(budget !== undefined, fix);
  const settings = planKeepalive(parseDuration(budget) / 1000).settings;
  return { ...given, kernel: hostKernel(settings) };
}

Deno.test("the fixes the doctor proposes make their findings go away", async (t) => {
  const cases: [string, DoctorInput, "server" | "sysctl"][] = [
    [
      "a heartbeat slower than an NLB",
      input({
        policy: policy(400_000, 1_200_000),
        path: path("aws-nlb"),
        kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }),
      }),
      "server",
    ],
    [
      "keepalive slower than an Azure load balancer, no heartbeat",
      input({ policy: undefined, path: path("azure-lb") }),
      "sysctl",
    ],
    [
      "a timeout shorter than interval + round trip",
      input({
        policy: policy(5000, 5200),
        kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }),
      }),
      "server",
    ],
    [
      "a client faster than the server allows",
      input({
        clientIntervalMs: 1000,
        kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }),
      }),
      "server",
    ],
    [
      "no heartbeat with the default keepalive behind a carrier NAT",
      input({ policy: undefined, path: path("cgnat") }),
      "sysctl",
    ],
  ];
  for (const [name, given, kind] of cases) {
    await t.step(name, () => {
      const before = diagnose(given);
      const finding = before.findings[0];
      assert.ok(finding !== undefined, name);
      const fix = finding.fixes.find((f) =>
        f.startsWith(
          kind === "server" ? "or let the server" : "deno task sysctl plan",
        ) ||
        f.startsWith("deno task server")
      ) ?? finding.fixes[0];
      const after = diagnose(
        kind === "server"
          ? withServerFix(given, fix)
          : withSysctlFix(given, fix),
      );
      assert.ok(
        !after.findings.some((f) => f.id === finding.id),
        `${name}: ${fix} left ${JSON.stringify(after.findings)}`,
      );
    });
  }
});

Deno.test("diagnose() reports a pod on the defaults behind a carrier NAT with every finding that applies", () => {
  const report = diagnose(input({
    policy: undefined,
    path: path("cgnat"),
    kernel: hostKernel(undefined, {
      namespace: { id: "net:[4026532301]", initial: false },
      host: {
        values: { time: 60, intvl: 20, probes: 3 },
        namespace: "net:[4026531833]",
        via: "pid 1",
      },
    }),
  }));
  assert.deepEqual(report.findings.map((f) => f.id), [
    "keepalive_outlives_idle",
    "no_heartbeat_slow_keepalive",
    "no_heartbeat_frozen_peer",
    "namespace_differs",
  ]);
});
