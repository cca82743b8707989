import assert from "node:assert/strict";
import {
  detectionSeconds,
  keepaliveWarnings,
  KERNEL_DEFAULTS,
  NAT_IDLE_SECONDS,
  planKeepalive,
  validateKeepalive,
} from "../sysctl/mod.ts";

Deno.test("the kernel defaults take 2 h 11 min 15 s to notice a dead peer", () => {
  assert.equal(detectionSeconds(KERNEL_DEFAULTS), 7200 + 9 * 75);
});

Deno.test("validateKeepalive() accepts integers in range and parses strings", () => {
  assert.deepEqual(
    validateKeepalive({ time: "1", intvl: 32767, probes: "127" }),
    { time: 1, intvl: 32767, probes: 127 },
  );
  assert.deepEqual(validateKeepalive({ probes: 3 }), { probes: 3 });
});

Deno.test("validateKeepalive() refuses bad values naming the key, the value and the range", () => {
  const cases: [Record<string, number | string>, RegExp][] = [
    [{ time: 0 }, /net\.ipv4\.tcp_keepalive_time "0".*1 to 32767 seconds/],
    [{ time: -5 }, /tcp_keepalive_time "-5"/],
    [{ intvl: "32768" }, /net\.ipv4\.tcp_keepalive_intvl "32768".*1 to 32767/],
    [{ intvl: "1.5" }, /tcp_keepalive_intvl "1\.5"/],
    [{ probes: 128 }, /net\.ipv4\.tcp_keepalive_probes "128".*1 to 127 probes/],
    [{ probes: "nine" }, /tcp_keepalive_probes "nine"/],
  ];
  for (const [values, message] of cases) {
    assert.throws(() => validateKeepalive(values), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("planKeepalive() keeps the idle time NAT-safe and spends a large budget on probe intervals", () => {
  for (const budget of [601, 1800, 7875, 86_400]) {
    const plan = planKeepalive(budget);
    assert.ok(
      plan.settings.time <= NAT_IDLE_SECONDS,
      `time for ${budget}s`,
    );
    assert.ok(plan.detectionSeconds <= budget, `worst case for ${budget}s`);
    assert.ok(
      plan.detectionSeconds >= budget * 0.9,
      `uses the budget of ${budget}s`,
    );
  }
  assert.deepEqual(planKeepalive(1800).settings, {
    time: 300,
    intvl: 500,
    probes: 3,
  });
});

Deno.test("planKeepalive() fits the worst case in the budget and explains the trade-off", () => {
  for (const budget of [2, 3, 10, 59, 120, 600, 3600, 86400, 200000]) {
    const plan = planKeepalive(budget);
    assert.ok(plan.detectionSeconds <= budget, `budget ${budget}`);
    assert.equal(plan.detectionSeconds, detectionSeconds(plan.settings));
    assert.doesNotThrow(() => validateKeepalive(plan.settings));
    assert.match(plan.explanation, /noticed within/);
  }
  assert.deepEqual(planKeepalive(120).settings, {
    time: 60,
    intvl: 20,
    probes: 3,
  });
  assert.deepEqual(planKeepalive(120, { probes: 5 }).settings.probes, 5);
  assert.throws(() => planKeepalive(1), RangeError);
  assert.throws(() => planKeepalive(5, { probes: 9 }), /Cannot fit 9 probes/);
  assert.throws(() => planKeepalive(60, { probes: 0 }), /1 to 127/);
});

Deno.test("keepaliveWarnings() flags NAT-unsafe idle times, slow detection and namespaces on defaults", () => {
  const defaults = keepaliveWarnings(KERNEL_DEFAULTS, {
    where: "runtime",
    namespace: { id: "net:[1]", initial: false },
  });
  assert.equal(defaults.length, 3);
  assert.match(defaults[0], /above 300s.*NAT/);
  assert.match(defaults[1], /2h 11min 15s.*more than 15 minutes/);
  assert.match(defaults[2], /net:\[1\] is not the host's.*do not inherit/);
  assert.deepEqual(
    keepaliveWarnings(KERNEL_DEFAULTS, {
      namespace: { id: "net:[2]", initial: true },
    }).length,
    2,
  );
  assert.deepEqual(keepaliveWarnings({ time: 300, intvl: 60, probes: 10 }), []);
  assert.equal(
    keepaliveWarnings({ time: 300, intvl: 61, probes: 10 }).length,
    1,
  );
});
