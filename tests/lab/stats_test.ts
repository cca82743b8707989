import assert from "node:assert/strict";
import {
  formatMs,
  maximum,
  median,
  summarize,
  withinPrediction,
} from "../../lab/stats.ts";
import type { LabPrediction, LabRun } from "../../lab/results_schema.ts";

function run(ms: number | null, outcome?: LabRun["outcome"]): LabRun {
  return {
    repetition: 0,
    faultAt: "2026-01-01T00:00:00.000Z",
    outcome: outcome ?? (ms === null ? "not_detected" : "detected"),
    detectionMs: ms,
    server: { ms, how: ms === null ? null : "ETIMEDOUT" },
    client: { ms: null, how: null },
  };
}

const PREDICTION: LabPrediction = {
  minMs: 3000,
  maxMs: 5000,
  formula: "time + probes × intvl",
  production: "",
  productionMs: 300_000,
  survives: false,
};

Deno.test("median() takes the middle value and treats not-detected as larger than any time", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 3);
  assert.equal(median([1, null, 2]), 2);
  assert.equal(median([1, null, null]), null);
  assert.equal(median([]), null);
});

Deno.test("maximum() is null as soon as one run was not detected", () => {
  assert.equal(maximum([1, 9, 3]), 9);
  assert.equal(maximum([1, null]), null);
  assert.equal(maximum([]), null);
});

Deno.test("formatMs() gives short units for table cells", () => {
  assert.equal(formatMs(3.4), "3 ms");
  assert.equal(formatMs(4012), "4.01 s");
  assert.equal(formatMs(125_000), "2 min 5 s");
  assert.equal(formatMs(7_875_000), "2 h 11 min 15 s");
});

Deno.test("withinPrediction() accepts a time inside the range widened by the tolerance", () => {
  assert.equal(withinPrediction(4000, PREDICTION, 15_000, 300), true);
  assert.equal(withinPrediction(2800, PREDICTION, 15_000, 300), true);
  assert.equal(withinPrediction(2600, PREDICTION, 15_000, 300), false);
  assert.equal(withinPrediction(5400, PREDICTION, 15_000, 300), false);
});

Deno.test("withinPrediction() matches not-detected runs only to predictions beyond the cap", () => {
  const never = { minMs: null, maxMs: null };
  assert.equal(withinPrediction(null, never, 15_000, 300), true);
  assert.equal(withinPrediction(1000, never, 15_000, 300), false);
  assert.equal(
    withinPrediction(null, { minMs: 675_000, maxMs: 7_875_000 }, 15_000, 300),
    true,
  );
  assert.equal(withinPrediction(null, PREDICTION, 15_000, 300), false);
});

Deno.test("summarize() reports median and max of detected runs and checks them against the formula", () => {
  const s = summarize([run(4100), run(3900), run(4500)], PREDICTION, {
    capMs: 15_000,
    toleranceMs: 300,
  });
  assert.equal(s.runs, 3);
  assert.equal(s.detected, 3);
  assert.equal(s.medianMs, 4100);
  assert.equal(s.maxMs, 4500);
  assert.equal(s.minMs, 3900);
  assert.equal(s.text, "4.10 s / 4.50 s");
  assert.equal(s.matchesPrediction, true);
});

Deno.test("summarize() writes 'not detected within' the cap instead of a number", () => {
  const never = { ...PREDICTION, minMs: null, maxMs: null };
  const s = summarize([run(null), run(null)], never, {
    capMs: 15_000,
    toleranceMs: 300,
  });
  assert.equal(s.medianMs, null);
  assert.equal(s.maxMs, null);
  assert.equal(s.text, "not detected within 15.00 s");
  assert.equal(s.matchesPrediction, true);
});

Deno.test("summarize() marks a max beyond the cap when one run of several was not detected", () => {
  const s = summarize([run(4000), run(4200), run(null)], PREDICTION, {
    capMs: 15_000,
    toleranceMs: 300,
  });
  assert.equal(s.medianMs, 4200);
  assert.equal(s.maxMs, null);
  assert.equal(s.text, "4.20 s / > 15.00 s");
  assert.equal(s.matchesPrediction, false);
});

Deno.test("summarize() reports survivors and compares them with a 'survives' prediction", () => {
  const keeps = { ...PREDICTION, minMs: null, maxMs: null, survives: true };
  const s = summarize([run(null, "survived"), run(null, "survived")], keeps, {
    capMs: 15_000,
    toleranceMs: 300,
  });
  assert.equal(s.survived, 2);
  assert.equal(s.text, "survived (kept alive)");
  assert.equal(s.matchesPrediction, true);
  const wrong = summarize([run(null, "survived")], PREDICTION, {
    capMs: 15_000,
    toleranceMs: 300,
  });
  assert.equal(wrong.matchesPrediction, false);
});
