import assert from "node:assert/strict";
import { firstDetection } from "../../detection/first.ts";

Deno.test("firstDetection() takes the earliest minimum and the soonest worst case", () => {
  assert.deepEqual(
    firstDetection([{ minMs: 5, maxMs: 100 }, { minMs: 10, maxMs: 20 }]),
    { minMs: 5, maxMs: 20 },
  );
  assert.equal(firstDetection([]), undefined);
});
