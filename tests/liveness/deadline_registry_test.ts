import assert from "node:assert/strict";
import { DeadlineEntry, DeadlineRegistry } from "../../liveness/mod.ts";
import { FakeTime } from "../_helpers/fake_time.ts";

class Item extends DeadlineEntry {
  constructor(readonly id: number) {
    super();
  }
}

function setup(tickMs: number, horizonMs: number) {
  const time = new FakeTime(0);
  const expired: { id: number; at: number }[] = [];
  const registry = new DeadlineRegistry<Item>({
    tickMs,
    horizonMs,
    clock: time.clock,
    timers: time,
    onExpire: (item, now) => expired.push({ id: item.id, at: now }),
  });
  return { time, registry, expired };
}

Deno.test("DeadlineRegistry expires each entry at the first tick at or after its explicit deadline", () => {
  const { time, registry, expired } = setup(100, 1000);
  registry.start();
  registry.setDeadline(new Item(1), 250);
  registry.setDeadline(new Item(2), 700);
  time.advance(299);
  assert.equal(expired.length, 0);
  time.advance(1);
  assert.deepEqual(expired, [{ id: 1, at: 300 }]);
  time.advance(400);
  assert.deepEqual(expired.map((e) => e.id), [1, 2]);
  assert.equal(registry.size, 0);
  registry.stop();
  assert.equal(time.pending, 0);
});

Deno.test("DeadlineRegistry forgets a removed entry and moves a re-set one", () => {
  const { time, registry, expired } = setup(10, 100);
  registry.start();
  const a = new Item(1);
  const b = new Item(2);
  registry.setDeadline(a, 50);
  registry.setDeadline(b, 50);
  registry.remove(a);
  assert.equal(registry.has(a), false);
  registry.setDeadline(b, 90);
  time.advance(80);
  assert.equal(expired.length, 0);
  time.advance(10);
  assert.deepEqual(expired, [{ id: 2, at: 90 }]);
  registry.stop();
});

Deno.test("DeadlineRegistry's ticker fires on tick boundaries and stops when asked", () => {
  const { time, registry } = setup(100, 1000);
  time.now = 30;
  registry.start();
  registry.start(); // A second start changes nothing.
  assert.equal(registry.running, true);
  assert.deepEqual(time.delays, [70]);
  time.advance(70);
  assert.deepEqual(time.delays, [70, 100]);
  registry.stop();
  assert.equal(registry.running, false);
  assert.equal(time.pending, 0);
  assert.throws(
    () =>
      new DeadlineRegistry({ tickMs: 0, horizonMs: 10, onExpire: () => {} }),
    RangeError,
  );
});

Deno.test("DeadlineRegistry reports each sweep's duration on its clock and how many entries it expired", () => {
  const time = new FakeTime(0);
  const sweeps: [number, number][] = [];
  const registry = new DeadlineRegistry<DeadlineEntry>({
    tickMs: 100,
    horizonMs: 1000,
    clock: time.clock,
    // Each expiry takes 3 ms of the fake clock: the reported duration is
    // measured around the sweep, callbacks included.
    onExpire: () => void (time.now += 3),
    onSweep: (durationMs, expired) => sweeps.push([durationMs, expired]),
  });
  registry.setDeadline(new DeadlineEntry(), 150);
  registry.setDeadline(new DeadlineEntry(), 180);
  time.now = 100;
  registry.sweep();
  time.now = 200;
  registry.sweep();
  assert.deepEqual(sweeps, [[0, 0], [6, 2]]);
});

Deno.test("with stallMs, a tick that fires late skips its sweep once, so what arrived meanwhile is read first", () => {
  const time = new FakeTime(0);
  const expired: number[] = [];
  const registry = new DeadlineRegistry<Item>({
    tickMs: 100,
    horizonMs: 1000,
    stallMs: 500,
    clock: time.clock,
    timers: time,
    onExpire: (item) => expired.push(item.id),
  });
  registry.start();
  const item = new Item(1);
  registry.setDeadline(item, 250);
  // Frozen for two seconds: the tick due at 100 runs at 2000.
  time.now = 2000;
  time.advance(0);
  assert.equal(expired.length, 0, "the late tick judged nobody");
  // A frame read right after the freeze moves the deadline.
  registry.setDeadline(item, 3000);
  time.advance(100);
  assert.equal(expired.length, 0);
  time.advance(1000);
  assert.deepEqual(expired, [1]);
  registry.stop();
});
