import assert from "node:assert/strict";
import { Pacer } from "../../bench/_pacer.ts";
import { pace } from "../../bench/_pacer_thread.ts";

Deno.test("pace() hands over the entries as they come due, in order, wrapping into the next interval", () => {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const ranges: [number, number][] = [];
  const startAt = performance.timeOrigin + performance.now();
  pace({
    offsets: Float64Array.of(5, 10, 15),
    intervalMs: 30,
    startAt,
    stop,
  }, (range) => {
    ranges.push(range);
    const sent = ranges.reduce((n, [, count]) => n + count, 0);
    if (sent >= 6) Atomics.store(stop, 0, 1);
  });
  const order = ranges.flatMap(([from, count]) =>
    Array.from({ length: count }, (_, j) => (from + j) % 3)
  );
  assert.deepEqual(order.slice(0, 6), [0, 1, 2, 0, 1, 2]);
  const elapsed = performance.timeOrigin + performance.now() - startAt;
  // The sixth entry is due 45 ms after the start.
  assert.ok(elapsed >= 45 && elapsed < 500, `${elapsed} ms`);
});

Deno.test("Pacer sends each client's heartbeat once per interval, one or two at a time, from its thread", async () => {
  const beats = new Map<number, number>();
  const sizes: number[] = [];
  let started: (() => void) | undefined;
  const first = new Promise<void>((resolve) => started = resolve);
  let counting = false;
  const pacer = new Pacer(50, 100, (i) => {
    started?.();
    if (counting) beats.set(i, (beats.get(i) ?? 0) + 1);
  }, (entries) => {
    if (counting) sizes.push(entries);
  });
  try {
    // The thread's module loads first (and is checked, under deno test).
    await first;
    counting = true;
    await new Promise((resolve) => setTimeout(resolve, 400));
  } finally {
    pacer.stop();
  }
  assert.equal(beats.size, 50);
  for (const [i, n] of beats) assert.ok(n >= 3 && n <= 5, `client ${i}: ${n}`);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  assert.ok(mean < 3, `${mean} per hand-over`);
});
