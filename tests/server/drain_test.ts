import assert from "node:assert/strict";
import { Drain, drainBatchMs } from "../../server/_drain.ts";
import { FakeTime } from "../_helpers/fake_time.ts";

interface Closed {
  session: number;
  at: number;
  retryAfter: number;
}

function plan(count: number, durationMs: number, time: FakeTime) {
  const closed: Closed[] = [];
  let seed = 1;
  const drain = new Drain<number>({
    sessions: Array.from({ length: count }, (_, i) => i),
    durationMs,
    retryAfterMin: 1000,
    retryAfterSpread: 10_000,
    clock: time.clock,
    timers: time.timers,
    // A fixed pseudo-random sequence: the test is exact.
    random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
    close: (session, retryAfter) =>
      closed.push({ session, at: time.now, retryAfter }),
  });
  return { drain, closed };
}

Deno.test("Drain closes the connections in batches spread evenly over the period", () => {
  const time = new FakeTime(0);
  const { drain, closed } = plan(1000, 10_000, time);
  time.advance(10_000);
  assert.ok(drain.finished);
  assert.equal(closed.length, 1000);
  assert.equal(new Set(closed.map((c) => c.session)).size, 1000);
  // Batches every 100 ms: never more than one stratum's worth at once,
  // and each 1-second window closes a tenth of them.
  assert.equal(drainBatchMs(10_000), 100);
  const perBatch = Map.groupBy(closed, (c) => c.at);
  for (const [at, batch] of perBatch) {
    assert.equal(at % 100, 0, `batch at ${at}`);
    assert.ok(batch.length <= 12, `${batch.length} closes at ${at}`);
  }
  for (let s = 0; s < 10; s++) {
    const inSecond = closed.filter((c) =>
      c.at >= s * 1000 && c.at < (s + 1) * 1000
    );
    assert.ok(
      Math.abs(inSecond.length - 100) <= 10,
      `${inSecond.length} in second ${s}`,
    );
  }
});

Deno.test("Drain tells every client to come back after the drain, spread over the retry window", () => {
  const time = new FakeTime(0);
  const { closed } = plan(200, 2000, time);
  time.advance(2000);
  const comeBack = closed.map((c) => c.at + c.retryAfter).sort((a, b) => a - b);
  // One per 50 ms stratum of [3000, 13000): after the drain's end plus the
  // minimum, spread over the window, never bunched.
  comeBack.forEach((ms, i) => {
    assert.ok(ms >= 3000 + i * 50 - 1 && ms < 3050 + i * 50 + 1, `${i}: ${ms}`);
  });
});

Deno.test("Drain's hurry() closes the rest at once, each keeping its reconnect time", () => {
  const time = new FakeTime(0);
  const { drain, closed } = plan(100, 1000, time);
  time.advance(300);
  const early = closed.length;
  assert.ok(early > 15 && early < 45, String(early));
  drain.hurry();
  assert.equal(closed.length, 100);
  assert.ok(drain.finished);
  assert.equal(time.pending, 0);
  for (const c of closed) {
    const at = c.at + c.retryAfter;
    assert.ok(at >= 2000 && at <= 12000, String(at));
  }
});

Deno.test("Drain with no connections is finished at once and leaves no timer", () => {
  const time = new FakeTime(0);
  const { drain } = plan(0, 1000, time);
  assert.ok(drain.finished);
  assert.equal(time.pending, 0);
});
