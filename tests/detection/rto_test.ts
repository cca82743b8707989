import assert from "node:assert/strict";
import { rtoGiveUpMs, rtoRangeMs } from "../../detection/rto.ts";

Deno.test("rtoGiveUpMs() gives Linux's 924.6 s for tcp_retries2=15 and doubles from 200 ms below it", () => {
  assert.equal(rtoGiveUpMs(15), 924_600);
  assert.equal(rtoGiveUpMs(0), 200);
  assert.equal(rtoGiveUpMs(3), 3000);
  assert.equal(rtoGiveUpMs(5), 12_600);
  // 2^9 × 200 ms = 102.4 s is the last doubling under the 120 s cap.
  assert.equal(rtoGiveUpMs(10), 204_600 + 120_000);
});

Deno.test("rtoRangeMs() spans the give-up time to 10 % more", () => {
  assert.deepEqual(rtoRangeMs(15), { minMs: 924_600, maxMs: 1_017_060 });
  assert.deepEqual(rtoRangeMs(0), { minMs: 200, maxMs: 220 });
});
