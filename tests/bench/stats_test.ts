import assert from "node:assert/strict";
import { median, mulberry32 } from "../../bench/_stats.ts";

Deno.test("median() takes the middle value, the mean of the two middle ones for an even count, NaN for none, and leaves its input as it was", () => {
  const values = [4, 1, 3, 2];
  assert.equal(median(values), 2.5);
  assert.deepEqual(values, [4, 1, 3, 2]);
  assert.equal(median([5, 9, 1]), 5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("mulberry32() gives the same sequence for the same seed, another for another, always in [0, 1)", () => {
  const draw = (seed: number) => {
    const next = mulberry32(seed);
    return Array.from({ length: 1000 }, () => next());
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  assert.ok(draw(7).every((x) => x >= 0 && x < 1));
});
