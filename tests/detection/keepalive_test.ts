import assert from "node:assert/strict";
import {
  keepaliveRangeMs,
  probePeriodS,
  scaleKeepalive,
} from "../../detection/keepalive.ts";

Deno.test("keepaliveRangeMs() spans probes × intvl to max(time, intvl) + probes × intvl", () => {
  assert.deepEqual(keepaliveRangeMs({ time: 7200, intvl: 75, probes: 9 }), {
    minMs: 675_000,
    maxMs: 7_875_000,
  });
  assert.deepEqual(keepaliveRangeMs({ time: 2, intvl: 1, probes: 3 }), {
    minMs: 3000,
    maxMs: 5000,
  });
  // An idle shorter than intvl: the timer is re-armed for intvl after a probe.
  assert.deepEqual(keepaliveRangeMs({ time: 2, intvl: 75, probes: 9 }), {
    minMs: 675_000,
    maxMs: 750_000,
  });
});

Deno.test("probePeriodS() is max(time, intvl): a short idle alone does not probe often", () => {
  assert.equal(probePeriodS({ time: 2, intvl: 1, probes: 3 }), 2);
  assert.equal(probePeriodS({ time: 2, intvl: 75, probes: 9 }), 75);
});

Deno.test("scaleKeepalive() multiplies time and intvl, and the detection range with them", () => {
  const k = { time: 2, intvl: 1, probes: 3 };
  assert.deepEqual(scaleKeepalive(k, 60), { time: 120, intvl: 60, probes: 3 });
  const lab = keepaliveRangeMs(k);
  const prod = keepaliveRangeMs(scaleKeepalive(k, 60));
  assert.deepEqual(prod, { minMs: lab.minMs * 60, maxMs: lab.maxMs * 60 });
});
