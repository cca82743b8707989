import assert from "node:assert/strict";
import {
  ADAPTIVE_LAB_OPTIONS,
  analyzeAdaptive,
  skippedAdaptive,
} from "../../lab/adaptive.ts";

// A client's --json lines as the lab reads them: grow, lose two pings, settle.
const SETTLING = [
  { t: 1000, event: "welcome", effectiveInterval: 3500, reconnect: false },
  {
    t: 18500,
    event: "adaptive",
    result: "success",
    change: "step_up",
    interval: 4500,
  },
  {
    t: 40000,
    event: "adaptive",
    result: "success",
    change: "none",
    interval: 4500,
  },
  { t: 44000, event: "dead" },
  {
    t: 44000,
    event: "adaptive",
    result: "failure",
    change: "none",
    interval: 4500,
  },
  { t: 44001, event: "disconnect", reason: "dead" },
  { t: 44500, event: "welcome", effectiveInterval: 4500, reconnect: true },
  {
    t: 53000,
    event: "adaptive",
    result: "failure",
    change: "back_off",
    interval: 3167,
    settled: true,
  },
  { t: 53001, event: "disconnect", reason: "dead" },
  { t: 53500, event: "welcome", effectiveInterval: 3167, reconnect: true },
];

Deno.test("analyzeAdaptive() finds the settled interval and ignores the disconnect that caused it", () => {
  const r = analyzeAdaptive(SETTLING, 1000, 30_000, 6000);
  assert.equal(r.settledIntervalMs, 3167);
  assert.equal(r.settledAtMs, 52_000);
  assert.equal(r.dropsAfterSettle, 0);
  assert.equal(r.ok, true);
  assert.deepEqual(r.samples.map((s) => s.event), [
    "start",
    "step_up",
    "dead",
    "failure",
    "disconnect",
    "reconnect",
    "back_off",
    "disconnect",
    "reconnect",
  ]);
  assert.deepEqual(r.samples.at(-1), {
    tMs: 52_500,
    intervalMs: 3167,
    event: "reconnect",
  });
});

Deno.test("analyzeAdaptive() counts a disconnect after settling as a drop and fails the proof", () => {
  const r = analyzeAdaptive(
    [...SETTLING, { t: 70_000, event: "disconnect", reason: "dead" }],
    1000,
    30_000,
    6000,
  );
  assert.equal(r.dropsAfterSettle, 1);
  assert.equal(r.ok, false);
});

Deno.test("analyzeAdaptive() fails the proof when the settled interval is not below the NAT timeout", () => {
  const r = analyzeAdaptive(SETTLING, 1000, 30_000, 3000);
  assert.equal(r.ok, false);
  const never = analyzeAdaptive(SETTLING.slice(0, 3), 1000, 0, 6000);
  assert.equal(never.settledIntervalMs, null);
  assert.equal(never.ok, false);
});

Deno.test("the lab's adaptive constants are Mars' smart heartbeat divided by 60", () => {
  assert.equal(ADAPTIVE_LAB_OPTIONS["adaptive-min"] * 60, 210_000);
  assert.equal(ADAPTIVE_LAB_OPTIONS["adaptive-max"] * 60, 600_000);
  assert.equal(ADAPTIVE_LAB_OPTIONS["adaptive-step"] * 60, 60_000);
  assert.equal(
    Math.round(ADAPTIVE_LAB_OPTIONS["adaptive-backoff"] * 60 / 1000),
    80,
  );
  assert.equal(skippedAdaptive("why").note, "why");
});
