import assert from "node:assert/strict";
import { keepaliveRangeMs, scaleKeepalive } from "../../detection/mod.ts";
import { predict } from "../../lab/formula.ts";
import { DEFAULT_PARAMETERS } from "../../lab/cases.ts";
import { parseLabResults } from "../../lab/results_schema.ts";

Deno.test("predict() says setKeepAlive(true, 2000) under Deno does not keep a 4 s NAT mapping alive", () => {
  // The probe period is max(time, intvl) = 75 s.
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

Deno.test("predict() with the parameters of lab/results/latest.json gives the predictions stored in it", async () => {
  const results = parseLabResults(
    JSON.parse(
      await Deno.readTextFile(
        new URL("../../lab/results/latest.json", import.meta.url),
      ),
    ),
  );
  for (const c of results.cases) {
    assert.deepEqual(
      predict(c.fault, c.mechanism, results.parameters),
      c.predicted,
      c.id,
    );
  }
});

Deno.test("predict() never gives a negative time when the timeout is shorter than the interval", () => {
  const p = {
    ...DEFAULT_PARAMETERS,
    heartbeat: { intervalMs: 4000, timeoutMs: 1500, tickMs: 250 },
  };
  assert.equal(predict("client_vanishes", "heartbeat", p).minMs, 0);
  assert.equal(predict("server_frozen", "heartbeat", p).minMs, 0);
});

Deno.test("predict() expects the heartbeat to keep a NAT alive beside keepalive too slow for it", () => {
  const p = {
    ...DEFAULT_PARAMETERS,
    keepaliveTuned: { time: 10, intvl: 5, probes: 3 },
  };
  assert.equal(
    predict("nat_expiry_strict", "keepalive_tuned", p).survives,
    false,
  );
  assert.equal(
    predict("nat_expiry_strict", "heartbeat_keepalive", p).survives,
    true,
  );
});
