import assert from "node:assert/strict";
import {
  detectionSeconds,
  NAT_IDLE_SECONDS,
  planKeepalive,
  validateKeepalive,
} from "../../sysctl/mod.ts";

Deno.test("planKeepalive() keeps the idle time NAT-safe and spends a large budget on probe intervals", () => {
  for (const budget of [601, 1800, 7875, 86_400]) {
    const plan = planKeepalive(budget);
    assert.ok(
      plan.settings.time <= NAT_IDLE_SECONDS,
      `time for ${budget}s`,
    );
    assert.ok(plan.detectionSeconds <= budget, `worst case for ${budget}s`);
    // Probed every max(time, intvl): never less often than a NAT forgets.
    assert.ok(
      Math.max(plan.settings.time, plan.settings.intvl) <= NAT_IDLE_SECONDS,
      `probe period for ${budget}s`,
    );
    // The budget is spent, up to the slowest NAT-safe plan (127 probes).
    const slowest = NAT_IDLE_SECONDS * 128;
    assert.ok(
      plan.detectionSeconds >= Math.min(budget, slowest) * 0.9,
      `uses the budget of ${budget}s`,
    );
  }
  assert.deepEqual(planKeepalive(1800).settings, {
    time: 300,
    intvl: 300,
    probes: 5,
  });
  assert.match(planKeepalive(86_400).explanation, /slowest NAT-safe plan/);
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
