import assert from "node:assert/strict";
import { arrivalLoad, UNIFORM_PER_MS } from "../../bench/_arrivals.ts";

Deno.test("arrivalLoad() keeps the wheel as asked, and for uniform arrivals paces each heartbeat with few enough clients per process", () => {
  const asked = { intervalMs: 5000, tickMs: 2, perProcess: 15_000 };
  assert.deepEqual(arrivalLoad("wheel", asked), {
    tickMs: 2,
    perProcess: 15_000,
    pace: false,
  });
  assert.deepEqual(arrivalLoad("uniform", asked), {
    tickMs: 2,
    perProcess: 15_000,
    pace: true,
  });
  const fast = arrivalLoad("uniform", { ...asked, intervalMs: 1000 });
  assert.equal(fast.perProcess, 1000 * UNIFORM_PER_MS);
  // A process sends perProcess / intervalMs heartbeats per millisecond.
  assert.ok(fast.perProcess / 1000 <= UNIFORM_PER_MS);
  assert.equal(
    arrivalLoad("uniform", { ...asked, intervalMs: 10 }).perProcess,
    30,
  );
});
