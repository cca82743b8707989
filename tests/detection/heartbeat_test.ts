import assert from "node:assert/strict";
import { heartbeatRangeMs } from "../../detection/heartbeat.ts";

Deno.test("heartbeatRangeMs() spans timeout − interval to timeout + the lateness of the check", () => {
  const h = { intervalMs: 1000, timeoutMs: 3000 };
  assert.deepEqual(heartbeatRangeMs(h, 250), { minMs: 2000, maxMs: 3250 });
  assert.deepEqual(heartbeatRangeMs(h, 1000), { minMs: 2000, maxMs: 4000 });
});

Deno.test("heartbeatRangeMs() starts at 0 when the interval is longer than the timeout", () => {
  assert.deepEqual(
    heartbeatRangeMs({ intervalMs: 20_000, timeoutMs: 15_000 }, 1000),
    { minMs: 0, maxMs: 16_000 },
  );
});
