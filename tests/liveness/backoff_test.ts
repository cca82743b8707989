import assert from "node:assert/strict";
import { Backoff } from "../../liveness/backoff.ts";

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

Deno.test("Backoff jitters the very first attempt over [0, initialDelay)", () => {
  const low = new Backoff({ initialDelay: 500, random: () => 0 });
  assert.equal(low.next(), 0);
  const high = new Backoff({ initialDelay: 500, random: () => 0.999 });
  const delay = high.next();
  assert.ok(delay >= 499 && delay < 500, `delay ${delay}`);
  const spread = new Set<number>();
  for (let i = 0; i < 50; i++) {
    spread.add(new Backoff({ initialDelay: 500 }).next());
  }
  assert.ok(spread.size > 10, "first delays of many clients differ");
});

Deno.test("Backoff ceilings double per attempt and stop at maxDelay", () => {
  const backoff = new Backoff({
    initialDelay: 100,
    maxDelay: 1000,
    random: () => 0.999999,
  });
  const ceilings: number[] = [];
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    ceilings.push(backoff.ceiling());
    delays.push(backoff.next());
  }
  assert.deepEqual(ceilings, [100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  for (let i = 0; i < delays.length; i++) {
    assert.ok(delays[i] < ceilings[i], `delay ${delays[i]} under its ceiling`);
    assert.ok(
      delays[i] >= ceilings[i] - 1,
      `delay ${delays[i]} uses the ceiling`,
    );
  }
});

Deno.test("Backoff applies full jitter after the cap, so capped delays still spread", () => {
  const randoms = [0, 0.25, 0.5, 0.75];
  const backoff = new Backoff({
    initialDelay: 100,
    maxDelay: 400,
    random: sequence(randoms),
  });
  for (let i = 0; i < 8; i++) backoff.next(); // well past the cap
  const capped = randoms.map(() => backoff.next());
  assert.deepEqual(capped, [0, 100, 200, 300]);
  const real = new Backoff({ initialDelay: 100, maxDelay: 400 });
  for (let i = 0; i < 10; i++) real.next();
  for (let i = 0; i < 100; i++) {
    const delay = real.next();
    assert.ok(
      delay >= 0 && delay < 400,
      `capped delay ${delay} within [0, 400)`,
    );
  }
});

Deno.test("Backoff honours retryAfter as a floor, not a replacement", () => {
  const backoff = new Backoff({
    initialDelay: 1000,
    maxDelay: 8000,
    random: () => 0.5,
  });
  assert.equal(backoff.next({ retryAfter: 2000 }), 2000); // jittered 500 < floor
  assert.equal(backoff.next({ retryAfter: 100 }), 1000); // jittered 1000 > floor
  assert.equal(backoff.next(), 2000);
});

Deno.test("Backoff starts over after a connection stayed healthy for resetAfter", async (t) => {
  const make = () =>
    new Backoff({
      initialDelay: 100,
      maxDelay: 10_000,
      resetAfter: 5000,
      random: () => 0.999999,
    });
  await t.step("a long connection resets the attempt count", () => {
    const backoff = make();
    for (let i = 0; i < 4; i++) backoff.next();
    assert.equal(backoff.attempt, 4);
    backoff.connected(10_000);
    assert.equal(backoff.disconnected(15_000), true);
    assert.equal(backoff.attempt, 0);
    assert.ok(backoff.next() < 100);
  });
  await t.step("a short connection keeps growing the delay", () => {
    const backoff = make();
    for (let i = 0; i < 4; i++) backoff.next();
    backoff.connected(10_000);
    assert.equal(backoff.disconnected(14_999), false);
    assert.equal(backoff.attempt, 4);
    assert.equal(backoff.ceiling(), 1600);
  });
  await t.step("disconnected without connected does not reset", () => {
    const backoff = make();
    backoff.next();
    assert.equal(backoff.disconnected(99_999), false);
    assert.equal(backoff.attempt, 1);
  });
});

Deno.test("Backoff rejects nonsensical options with a RangeError", () => {
  assert.throws(() => new Backoff({ initialDelay: 0 }), RangeError);
  assert.throws(() => new Backoff({ maxDelay: -1 }), RangeError);
  assert.throws(() => new Backoff({ factor: 0.5 }), RangeError);
  assert.throws(
    () => new Backoff({ resetAfter: NaN }),
    /Cannot use resetAfter "NaN"/,
  );
});
