import assert from "node:assert/strict";
import { DeadlineEntry, HeartbeatRegistry } from "../../liveness/mod.ts";
import { FakeTime } from "../_helpers/fake_time.ts";

class Conn extends DeadlineEntry {
  constructor(readonly id: number) {
    super();
  }
}

function setup(timeoutMs: number, tickMs: number, start = 0) {
  const time = new FakeTime();
  time.now = start;
  const expired: { id: number; at: number }[] = [];
  const registry = new HeartbeatRegistry<Conn>({
    timeoutMs,
    tickMs,
    clock: time.clock,
    timers: time,
    onExpire: (conn, now) => expired.push({ id: conn.id, at: now }),
  });
  return { time, registry, expired };
}

Deno.test("a silent entry expires within timeout + tick of its last touch, never before timeout", () => {
  const timeoutMs = 1000;
  const tickMs = 100;
  for (let offset = 0; offset < 200; offset += 13) {
    const { time, registry, expired } = setup(timeoutMs, tickMs, 5000);
    registry.start();
    time.advance(offset);
    const conn = new Conn(1);
    const touchedAt = registry.add(conn);
    assert.equal(touchedAt, time.now);
    time.advance(timeoutMs + tickMs + 1);
    assert.equal(expired.length, 1, `offset ${offset}`);
    const latency = expired[0].at - touchedAt;
    assert.ok(latency >= timeoutMs, `expired early: ${latency}ms`);
    assert.ok(latency <= timeoutMs + tickMs, `expired late: ${latency}ms`);
    registry.stop();
  }
});

Deno.test("touch() pushes the deadline forward", () => {
  const { time, registry, expired } = setup(1000, 100);
  registry.start();
  const conn = new Conn(1);
  registry.add(conn);
  for (let i = 0; i < 20; i++) {
    time.advance(700);
    registry.touch(conn);
  }
  assert.equal(expired.length, 0);
  assert.equal(registry.size, 1);
  time.advance(1100);
  assert.deepEqual(expired.map((e) => e.id), [1]);
  assert.equal(registry.size, 0);
  registry.stop();
});

Deno.test("the ticker fires on tick boundaries of the clock and stops cleanly", () => {
  const { time, registry } = setup(1000, 100, 1234);
  registry.start();
  registry.start(); // idempotent
  assert.equal(time.pending, 1);
  assert.deepEqual(time.delays, [66]); // 1234 -> 1300
  time.advance(66);
  assert.deepEqual(time.delays, [66, 100]);
  registry.stop();
  assert.equal(time.pending, 0);
  assert.equal(registry.running, false);
});

Deno.test("setDeadline() sets an explicit deadline and remove() forgets an entry", () => {
  const { time, registry, expired } = setup(1000, 100);
  registry.start();
  const a = new Conn(1);
  const b = new Conn(2);
  registry.add(a);
  registry.add(b);
  registry.setDeadline(a, 250);
  registry.remove(b);
  assert.equal(registry.has(b), false);
  time.advance(299);
  assert.equal(expired.length, 0);
  time.advance(1);
  assert.deepEqual(expired, [{ id: 1, at: 300 }]);
  time.advance(5000);
  assert.equal(expired.length, 1);
  registry.stop();
});

Deno.test("HeartbeatRegistry rejects a non-positive timeout or tick", () => {
  const onExpire = () => {};
  assert.throws(
    () => new HeartbeatRegistry({ timeoutMs: 0, tickMs: 10, onExpire }),
    RangeError,
  );
  assert.throws(
    () => new HeartbeatRegistry({ timeoutMs: 10, tickMs: NaN, onExpire }),
    RangeError,
  );
});
