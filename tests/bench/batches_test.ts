import assert from "node:assert/strict";
import { summariseBatches } from "../../bench/_batches.ts";

Deno.test("summariseBatches() leaves out the turns that wrote nothing and reads the percentiles of the rest", () => {
  assert.deepEqual(summariseBatches([[0, 50], [1, 60], [2, 30], [9, 10]]), {
    turns: 100,
    mean: 2.1,
    p50: 1,
    p99: 9,
    max: 9,
  });
});

Deno.test("summariseBatches() of a window without heartbeats is all zeros", () => {
  assert.deepEqual(summariseBatches([[0, 7]]), {
    turns: 0,
    mean: 0,
    p50: 0,
    p99: 0,
    max: 0,
  });
});
