import assert from "node:assert/strict";
import { spreadRetryAfter } from "../../liveness/mod.ts";

Deno.test("spreadRetryAfter() puts one hint in each stratum of the window, in random order", () => {
  const hints = spreadRetryAfter(100, { minMs: 0, spreadMs: 10_000 });
  const sorted = hints.toSorted((a, b) => a - b);
  sorted.forEach((ms, i) => assert.ok(ms >= i * 100 && ms < (i + 1) * 100));
  assert.notDeepEqual(hints, sorted);
  // Even a constant random source cannot bunch them up.
  const fixed = spreadRetryAfter(4, {
    minMs: 500,
    spreadMs: 400,
    random: () => 0,
  });
  assert.deepEqual(fixed.toSorted((a, b) => a - b), [500, 600, 700, 800]);
  assert.deepEqual(spreadRetryAfter(0), []);
  assert.throws(() => spreadRetryAfter(-1), RangeError);
});
