import assert from "node:assert/strict";
import {
  keepaliveRangeMs,
  predict,
  probePeriodS,
  rtoGiveUpMs,
  scaleKeepalive,
} from "../../lab/formula.ts";
import { DEFAULT_PARAMETERS } from "../../lab/cases.ts";

Deno.test("rtoGiveUpMs() gives Linux's 924.6 s for tcp_retries2=15 and doubles from 200 ms below it", () => {
  assert.equal(rtoGiveUpMs(15), 924_600);
  assert.equal(rtoGiveUpMs(0), 200);
  assert.equal(rtoGiveUpMs(3), 3000);
  assert.equal(rtoGiveUpMs(5), 12_600);
  // 2^9 × 200 ms = 102.4 s is the last doubling under the 120 s cap.
  assert.equal(rtoGiveUpMs(10), 204_600 + 120_000);
});

Deno.test("keepaliveRangeMs() spans probes × intvl to time + probes × intvl", () => {
  assert.deepEqual(keepaliveRangeMs({ time: 7200, intvl: 75, probes: 9 }), {
    minMs: 675_000,
    maxMs: 7_875_000,
  });
  assert.deepEqual(keepaliveRangeMs({ time: 2, intvl: 1, probes: 3 }), {
    minMs: 3000,
    maxMs: 5000,
  });
});

Deno.test("probePeriodS() is max(time, intvl): a short idle alone does not probe often", () => {
  assert.equal(probePeriodS({ time: 2, intvl: 1, probes: 3 }), 2);
  assert.equal(probePeriodS({ time: 2, intvl: 75, probes: 9 }), 75);
  // So setKeepAlive(true, 2000) under Deno does not keep a 4 s NAT mapping alive.
  assert.equal(
    predict("nat_expiry_strict", "node_idle", DEFAULT_PARAMETERS).survives,
    false,
  );
});

Deno.test("scaling every time constant by a factor scales the keepalive detection time by it", () => {
  const lab = keepaliveRangeMs(DEFAULT_PARAMETERS.keepaliveTuned);
  const prod = keepaliveRangeMs(
    scaleKeepalive(
      DEFAULT_PARAMETERS.keepaliveTuned,
      DEFAULT_PARAMETERS.scale.factor,
    ),
  );
  assert.equal(prod.maxMs, lab.maxMs * DEFAULT_PARAMETERS.scale.factor);
  assert.equal(prod.minMs, lab.minMs * DEFAULT_PARAMETERS.scale.factor);
});

Deno.test("predict() says a frozen server is never detected by TCP and is by the heartbeat", () => {
  for (
    const m of [
      "none",
      "keepalive_default",
      "keepalive_tuned",
      "node_idle",
    ] as const
  ) {
    const p = predict("server_frozen", m, DEFAULT_PARAMETERS);
    assert.equal(p.maxMs, null, m);
  }
  const hb = predict("server_frozen", "heartbeat", DEFAULT_PARAMETERS);
  assert.equal(hb.minMs, 2000);
  assert.equal(hb.maxMs, 4000);
  assert.equal(hb.productionMs, 4000 * 60);
});

Deno.test("predict() expects mechanisms faster than the NAT timeout to keep the mapping alive", () => {
  for (const fault of ["nat_expiry_loose", "nat_expiry_strict"] as const) {
    assert.equal(
      predict(fault, "keepalive_tuned", DEFAULT_PARAMETERS).survives,
      true,
    );
    assert.equal(
      predict(fault, "heartbeat", DEFAULT_PARAMETERS).survives,
      true,
    );
    assert.equal(
      predict(fault, "keepalive_default", DEFAULT_PARAMETERS).survives,
      false,
    );
  }
  assert.equal(
    predict("nat_expiry_loose", "none", DEFAULT_PARAMETERS).minMs,
    0,
  );
  assert.equal(
    predict("nat_expiry_strict", "none_retries2", DEFAULT_PARAMETERS).minMs,
    12_600,
  );
  const slowNat = { ...DEFAULT_PARAMETERS, conntrackTimeoutS: 1 };
  assert.equal(
    predict("nat_expiry_strict", "keepalive_tuned", slowNat).survives,
    false,
  );
});

Deno.test("predict() uses the faster of heartbeat and keepalive when both run", () => {
  const both = predict(
    "client_vanishes",
    "heartbeat_keepalive",
    DEFAULT_PARAMETERS,
  );
  const hb = predict("client_vanishes", "heartbeat", DEFAULT_PARAMETERS);
  assert.equal(both.maxMs, Math.min(hb.maxMs!, 5000));
  const nodeIdle = predict("client_vanishes", "node_idle", DEFAULT_PARAMETERS);
  // Once probing, the next probe waits intvl (75 s), not the 2 s idle.
  assert.equal(nodeIdle.maxMs, (75 + 9 * 75) * 1000);
  assert.equal(nodeIdle.minMs, 9 * 75 * 1000);
});
