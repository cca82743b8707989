import assert from "node:assert/strict";
import {
  DeadlineEntry,
  NEXT,
  PREV,
  TICK,
  TimingWheel,
} from "../../liveness/_timing_wheel.ts";

class Item extends DeadlineEntry {
  dueTick = -1;
  tracked = false;
  constructor(readonly id: number, public deadline = 0) {
    super();
  }
}

function sweepIds(wheel: TimingWheel<Item>, now: number): number[] {
  const ids: number[] = [];
  wheel.sweep(now, (item) => ids.push(item.id));
  return ids.sort((a, b) => a - b);
}

Deno.test("TimingWheel has ceil(horizon / tick) + 2 slots", () => {
  assert.equal(new TimingWheel({ tickMs: 100, horizonMs: 1000 }).slotCount, 12);
  assert.equal(new TimingWheel({ tickMs: 300, horizonMs: 1000 }).slotCount, 6);
  assert.throws(
    () => new TimingWheel({ tickMs: 0, horizonMs: 10 }),
    RangeError,
  );
});

Deno.test("sweep() expires an entry at the first tick boundary at or after its deadline, never before", () => {
  const wheel = new TimingWheel<Item>({ tickMs: 100, horizonMs: 1000 });
  const item = new Item(1);
  wheel.schedule(item, 250);
  assert.deepEqual(sweepIds(wheel, 299), []);
  assert.equal(wheel.size, 1);
  assert.deepEqual(sweepIds(wheel, 300), [1]);
  assert.equal(wheel.size, 0);
  assert.equal(wheel.has(item), false);
  // A deadline exactly on a boundary expires at that boundary.
  wheel.schedule(item, 500);
  assert.deepEqual(sweepIds(wheel, 499), []);
  assert.deepEqual(sweepIds(wheel, 500), [1]);
});

Deno.test("schedule() leaves an entry in place while its deadline stays within the same tick", () => {
  const wheel = new TimingWheel<Item>({ tickMs: 100, horizonMs: 1000 });
  const a = new Item(1);
  const b = new Item(2);
  wheel.schedule(a, 510);
  wheel.schedule(b, 520);
  // b is the head of the slot, a behind it.
  assert.equal(a[PREV], b);
  wheel.schedule(a, 590);
  // Same tick (6): nothing moved.
  assert.equal(a[PREV], b);
  assert.equal(a[TICK], 6);
  wheel.schedule(a, 610);
  assert.equal(a[TICK], 7);
  assert.equal(a[PREV], null);
  assert.equal(b[NEXT], null);
  assert.equal(wheel.size, 2);
});

Deno.test("a tick over many live, unexpired entries visits none of them", () => {
  const tickMs = 100;
  const timeoutMs = 10_000;
  const wheel = new TimingWheel<Item>({ tickMs, horizonMs: timeoutMs });
  const items: Item[] = [];
  // 100k entries, all touched "now" (t = 0..99ms): due at tick 100 or 101.
  for (let i = 0; i < 100_000; i++) {
    const item = new Item(i);
    items.push(item);
    wheel.schedule(item, (i % 100) + timeoutMs);
  }
  // Ninety-nine ticks pass: none is due, so none may be visited.
  for (let now = tickMs; now < timeoutMs; now += tickMs) {
    assert.equal(wheel.sweep(now, () => assert.fail("nothing is due")), 0);
    assert.equal(wheel.lastSweepVisited, 0, `tick at ${now}ms visited entries`);
  }
  // Three entries stop being touched; everyone else keeps touching.
  const silent = new Set([7, 500, 99_999]);
  for (const item of items) {
    if (!silent.has(item.id)) wheel.schedule(item, 9_950 + timeoutMs);
  }
  const expired = sweepIds(wheel, timeoutMs + 100);
  // Only the silent ones are still filed under the due ticks, so the sweep
  // looks at exactly those three out of 100k.
  assert.deepEqual(expired, [7, 500, 99_999]);
  assert.equal(wheel.lastSweepVisited, 3);
  assert.equal(wheel.size, 100_000 - 3);
});

Deno.test("entries touched after a tick boundary but before its (late) sweep are not visited until they expire", () => {
  // The ticker's timer always fires a little after the boundary; pings that
  // arrive in between must not wrap around the wheel into the slot that
  // late sweep is about to walk.
  const tickMs = 100;
  const timeoutMs = 1000;
  const wheel = new TimingWheel<Item>({ tickMs, horizonMs: timeoutMs });
  const items = Array.from({ length: 1000 }, (_, i) => new Item(i));
  wheel.sweep(400, () => assert.fail("nothing is scheduled"));
  // The boundary at 500 ms has passed, its sweep has not run yet.
  for (const item of items) wheel.schedule(item, 520 + timeoutMs);
  for (let now = 530; now < 1600; now += tickMs) {
    assert.equal(wheel.sweep(now, () => assert.fail("nothing is due")), 0);
    assert.equal(wheel.lastSweepVisited, 0, `sweep at ${now}ms visited`);
  }
  assert.equal(sweepIds(wheel, 1600).length, 1000);
  assert.equal(wheel.lastSweepVisited, 1000);
});

Deno.test("a late sweep that skips more than a whole turn visits each entry once and expires exactly the due ones", () => {
  const wheel = new TimingWheel<Item>({ tickMs: 10, horizonMs: 100 });
  assert.equal(wheel.slotCount, 12);
  const items = Array.from({ length: 50 }, (_, i) => new Item(i));
  for (const item of items) wheel.schedule(item, 5 + item.id * 7);
  // Deadlines 5..348ms: a sweep at 250ms is 25 ticks late (2+ turns).
  const expired = sweepIds(wheel, 250);
  const expected = items.filter((i) => Math.ceil((5 + i.id * 7) / 10) <= 25)
    .map((i) => i.id);
  assert.deepEqual(expired, expected);
  // Each slot walked once: every entry looked at once, no more.
  assert.equal(wheel.lastSweepVisited, 50);
  assert.equal(wheel.size, 50 - expected.length);
  // The rest expire on time later.
  assert.deepEqual(
    sweepIds(wheel, 1000),
    items.map((i) => i.id).filter((id) => !expected.includes(id)),
  );
});

Deno.test("an entry scheduled in the past expires at the next sweep", () => {
  const wheel = new TimingWheel<Item>({ tickMs: 10, horizonMs: 100 });
  wheel.sweep(500, () => {});
  const item = new Item(1);
  wheel.schedule(item, 100);
  assert.deepEqual(sweepIds(wheel, 505), []);
  assert.deepEqual(sweepIds(wheel, 510), [1]);
});

Deno.test("callbacks may remove or re-schedule entries that are due in the same sweep", () => {
  const wheel = new TimingWheel<Item>({ tickMs: 10, horizonMs: 100 });
  const a = new Item(1);
  const b = new Item(2);
  const c = new Item(3);
  for (const item of [a, b, c]) wheel.schedule(item, 50);
  const seen: number[] = [];
  wheel.sweep(50, (item) => {
    seen.push(item.id);
    // The first one seen removes one and re-schedules another.
    if (seen.length === 1) {
      const [x, y] = [a, b, c].filter((i) => i !== item);
      wheel.remove(x);
      wheel.schedule(y, 200);
    }
  });
  assert.equal(seen.length, 1);
  assert.equal(wheel.size, 1);
  assert.deepEqual(sweepIds(wheel, 200).length, 1);
});

Deno.test("entries beyond the horizon still expire on time", () => {
  const wheel = new TimingWheel<Item>({ tickMs: 10, horizonMs: 50 });
  const item = new Item(1);
  wheel.schedule(item, 1234);
  for (let now = 10; now < 1240; now += 10) {
    assert.deepEqual(sweepIds(wheel, now), [], `expired early at ${now}`);
  }
  assert.deepEqual(sweepIds(wheel, 1240), [1]);
});

Deno.test("the wheel agrees with a brute-force model under random operations", () => {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const tickMs = 7;
  const wheel = new TimingWheel<Item>({ tickMs, horizonMs: 60 });
  const items = Array.from({ length: 200 }, (_, i) => new Item(i));
  let now = 0;
  for (let step = 0; step < 5000; step++) {
    const r = random();
    const item = items[Math.floor(random() * items.length)];
    if (r < 0.6) {
      // Sometimes in the past: those move to the tick after the last sweep.
      item.deadline = now + Math.floor(random() * 140) - 20;
      item.dueTick = Math.max(
        Math.ceil(item.deadline / tickMs),
        Math.floor(wheel.sweptUntilMs / tickMs) + 1,
      );
      item.tracked = true;
      wheel.schedule(item, item.deadline);
    } else if (r < 0.7) {
      item.tracked = false;
      wheel.remove(item);
    } else {
      now += Math.floor(random() * 40);
      const tick = Math.floor(now / tickMs);
      const swept = Math.floor(wheel.sweptUntilMs / tickMs);
      const expected = tick <= swept
        ? []
        : items.filter((i) => i.tracked && i.dueTick <= tick).map((i) => i.id);
      const got = sweepIds(wheel, now);
      assert.deepEqual(got, expected, `step ${step} at ${now}ms`);
      for (const id of got) items[id].tracked = false;
      assert.equal(
        wheel.size,
        items.filter((i) => i.tracked).length,
      );
    }
  }
});

Deno.test("registry ticks over 200k live entries visit none of them until some expire", () => {
  // The registry's sweep is the wheel's; its cost is counted here.
  const timeoutMs = 10_000;
  const tickMs = 1000;
  const wheel = new TimingWheel<Item>({ tickMs, horizonMs: timeoutMs });
  const items = Array.from({ length: 200_000 }, (_, i) => new Item(i));
  for (const item of items) wheel.schedule(item, timeoutMs);
  const visited: number[] = [];
  let now = 0;
  const expired: number[] = [];
  for (let s = 0; s < 9; s++) {
    now += tickMs;
    wheel.sweep(now, (item) => expired.push(item.id));
    visited.push(wheel.lastSweepVisited);
    // Everyone but two keeps heartbeating every second.
    for (const item of items) {
      if (item.id % 100_000 !== 5) wheel.schedule(item, now + timeoutMs);
    }
  }
  assert.deepEqual(visited, [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  now += 2 * tickMs;
  wheel.sweep(now, (item) => expired.push(item.id));
  assert.deepEqual(expired.sort((a, b) => a - b), [5, 100_005]);
  assert.ok(wheel.lastSweepVisited <= 2, `visited ${wheel.lastSweepVisited}`);
  assert.equal(wheel.size, 200_000 - 2);
});
