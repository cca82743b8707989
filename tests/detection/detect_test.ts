import assert from "node:assert/strict";
import { detect } from "../../detection/detect.ts";
import type { Mechanism, Middlebox } from "../../detection/types.ts";

const rto: Mechanism = { kind: "rto", retries2: 15 };
const keepalive: Mechanism = {
  kind: "keepalive",
  settings: { time: 7200, intvl: 75, probes: 9 },
};
const tuned: Mechanism = {
  kind: "keepalive",
  settings: { time: 60, intvl: 20, probes: 3 },
};
const heartbeat: Mechanism = {
  kind: "heartbeat",
  intervalMs: 5000,
  timeoutMs: 15_000,
  tickMs: 1000,
};
const nlb: Middlebox = {
  idleMs: 350_000,
  afterExpiry: "reset",
  countsProbes: true,
};
const cgnat: Middlebox = { ...nlb, idleMs: 300_000, afterExpiry: "drop" };
const options = { roundTripMs: 200 };

Deno.test("detect() says every mechanism notices a killed peer within a round trip", () => {
  for (const m of [rto, keepalive, heartbeat]) {
    assert.deepEqual(detect("peer_killed", m, options), {
      outcome: "detected",
      minMs: 0,
      maxMs: 200,
    });
  }
});

Deno.test("detect() gives a vanished peer's detection by the RTO, keepalive and the server's heartbeat", () => {
  assert.deepEqual(detect("peer_vanished", rto, options), {
    outcome: "detected",
    minMs: 924_600,
    maxMs: 1_017_060,
  });
  assert.deepEqual(detect("peer_vanished", keepalive, options), {
    outcome: "detected",
    minMs: 675_000,
    maxMs: 7_875_000,
  });
  // timeout − interval to timeout + tick
  assert.deepEqual(detect("peer_vanished", heartbeat, options), {
    outcome: "detected",
    minMs: 10_000,
    maxMs: 16_000,
  });
});

Deno.test("detect() says only the client's heartbeat notices a frozen peer, within timeout + interval", () => {
  assert.deepEqual(detect("peer_frozen", rto, options), {
    outcome: "never",
    why: "acked",
  });
  assert.deepEqual(detect("peer_frozen", keepalive, options), {
    outcome: "never",
    why: "acked",
  });
  assert.deepEqual(detect("peer_frozen", heartbeat, options), {
    outcome: "detected",
    minMs: 10_000,
    maxMs: 20_000,
  });
});

Deno.test("detect() says traffic more frequent than the idle timeout keeps the mapping alive", () => {
  assert.deepEqual(
    detect("mapping_expired", heartbeat, { ...options, middlebox: nlb }),
    { outcome: "kept_alive", periodMs: 5000 },
  );
  assert.deepEqual(
    detect("mapping_expired", tuned, { ...options, middlebox: nlb }),
    { outcome: "kept_alive", periodMs: 60_000 },
  );
});

Deno.test("detect() times an expired mapping from the expiry, by what meets it next", async (t) => {
  await t.step("a write meets a reset at once and a drop after the RTO", () => {
    assert.deepEqual(
      detect("mapping_expired", rto, { ...options, middlebox: nlb }),
      { outcome: "detected", minMs: 0, maxMs: 200 },
    );
    assert.deepEqual(
      detect("mapping_expired", rto, { ...options, middlebox: cgnat }),
      { outcome: "detected", minMs: 924_600, maxMs: 1_017_060 },
    );
  });
  await t.step(
    "keepalive's next probe comes max(time, intvl) − idle later",
    () => {
      // Reset: the probe at 7200 s − 350 s after the expiry gets a RST.
      assert.deepEqual(
        detect("mapping_expired", keepalive, { ...options, middlebox: nlb }),
        { outcome: "detected", minMs: 0, maxMs: 6_850_000 + 200 },
      );
      // Drop: then its 9 × 75 s of unanswered probes.
      assert.deepEqual(
        detect("mapping_expired", keepalive, { ...options, middlebox: cgnat }),
        { outcome: "detected", minMs: 675_000, maxMs: 6_900_000 + 675_000 },
      );
    },
  );
  await t.step(
    "the heartbeat times out timeout − idle after the expiry",
    () => {
      const slow: Mechanism = {
        kind: "heartbeat",
        intervalMs: 400_000,
        timeoutMs: 1_200_000,
        tickMs: 1000,
      };
      assert.deepEqual(
        detect("mapping_expired", slow, { ...options, middlebox: cgnat }),
        { outcome: "detected", minMs: 900_000, maxMs: 901_000 },
      );
    },
  );
  await t.step("a proxy that closes both sides is noticed at once", () => {
    const alb: Middlebox = {
      idleMs: 60_000,
      afterExpiry: "close",
      countsProbes: false,
    };
    assert.deepEqual(
      detect("mapping_expired", tuned, { ...options, middlebox: alb }),
      { outcome: "detected", minMs: 0, maxMs: 200 },
    );
  });
});

Deno.test("detect() refuses an expired mapping without a middlebox", () => {
  assert.throws(
    () => detect("mapping_expired", heartbeat, options),
    (error: Error) =>
      error instanceof TypeError &&
      error.message ===
        'Cannot predict "mapping_expired": expected options.middlebox',
  );
});
