import assert from "node:assert/strict";
import { AdaptiveHeartbeat } from "../../liveness/adaptive_heartbeat.ts";

const SECOND = 1000;

function fakeClock(
  start = 0,
): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

Deno.test("AdaptiveHeartbeat uses Mars' defaults: 210 s, +60 s per 5 successes, 10 min cap", () => {
  const adaptive = new AdaptiveHeartbeat();
  assert.equal(adaptive.interval, 210 * SECOND);
  for (let i = 0; i < 4; i++) {
    assert.equal(adaptive.success().change, "none");
  }
  assert.equal(adaptive.interval, 210 * SECOND);
  const step = adaptive.success();
  assert.equal(step.change, "step_up");
  assert.equal(adaptive.interval, 270 * SECOND);
  for (let i = 0; i < 100; i++) adaptive.success();
  assert.equal(adaptive.interval, 600 * SECOND);
  assert.equal(adaptive.settled, false, "reaching max alone does not settle");
});

Deno.test("AdaptiveHeartbeat backs off 80 s and settles after 2 failures in a row", () => {
  const adaptive = new AdaptiveHeartbeat();
  for (let i = 0; i < 15; i++) adaptive.success(); // 210 → 390 s
  assert.equal(adaptive.interval, 390 * SECOND);
  const first = adaptive.failure();
  assert.equal(first.change, "none", "one failure may be noise");
  assert.equal(adaptive.interval, 390 * SECOND);
  const second = adaptive.failure();
  assert.equal(second.change, "back_off");
  assert.equal(second.interval, 310 * SECOND);
  assert.equal(adaptive.settled, true);
  for (let i = 0; i < 20; i++) adaptive.success();
  assert.equal(adaptive.interval, 310 * SECOND, "a settled interval stays");
});

Deno.test("AdaptiveHeartbeat needs the failures in a row: a success in between forgives", () => {
  const adaptive = new AdaptiveHeartbeat({
    min: 2000,
    max: 20000,
    step: 1000,
    backoff: 1000,
  });
  for (let i = 0; i < 10; i++) adaptive.success(); // 4 s
  adaptive.failure();
  adaptive.success();
  assert.equal(adaptive.failure().change, "none");
  assert.equal(adaptive.interval, 4000);
  assert.equal(adaptive.settled, false);
});

Deno.test("AdaptiveHeartbeat starts over at the minimum after 2 failures once settled", () => {
  const adaptive = new AdaptiveHeartbeat();
  for (let i = 0; i < 10; i++) adaptive.success(); // 330 s
  adaptive.failure();
  adaptive.failure(); // 250 s, settled
  assert.equal(adaptive.interval, 250 * SECOND);
  adaptive.failure();
  const step = adaptive.failure();
  assert.equal(step.change, "start_over");
  assert.equal(adaptive.interval, 210 * SECOND);
  assert.equal(adaptive.settled, false);
  for (let i = 0; i < 5; i++) adaptive.success();
  assert.equal(
    adaptive.interval,
    270 * SECOND,
    "grows again after starting over",
  );
});

Deno.test("AdaptiveHeartbeat never backs off below the minimum", () => {
  const adaptive = new AdaptiveHeartbeat();
  adaptive.failure();
  const step = adaptive.failure();
  assert.equal(step.change, "back_off");
  assert.equal(step.interval, 210 * SECOND);
});

Deno.test("AdaptiveHeartbeat takes every constant as an option, in milliseconds", () => {
  const adaptive = new AdaptiveHeartbeat({
    min: 2000,
    max: 5000,
    step: 1000,
    successesToStep: 2,
    backoff: 1500,
    failuresToBackOff: 3,
  });
  assert.equal(adaptive.interval, 2000);
  adaptive.success();
  adaptive.success();
  assert.equal(adaptive.interval, 3000);
  for (let i = 0; i < 10; i++) adaptive.success();
  assert.equal(adaptive.interval, 5000);
  adaptive.failure();
  adaptive.failure();
  assert.equal(adaptive.settled, false);
  adaptive.failure();
  assert.equal(adaptive.interval, 3500);
  assert.equal(adaptive.settled, true);
  assert.throws(
    () => new AdaptiveHeartbeat({ min: 5000, max: 1000 }),
    RangeError,
  );
  assert.throws(() => new AdaptiveHeartbeat({ step: 0 }), /adaptive step "0"/);
  assert.throws(
    () => new AdaptiveHeartbeat({ successesToStep: 1.5 }),
    RangeError,
  );
});

Deno.test("AdaptiveHeartbeat judges pongs against pongTimeout on the injected clock", async (t) => {
  await t.step("a pong within the timeout is a success", () => {
    const clock = fakeClock();
    const adaptive = new AdaptiveHeartbeat({
      pongTimeout: 1000,
      clock,
    });
    adaptive.pingSent();
    clock.advance(1000);
    assert.equal(adaptive.pongReceived()?.result, "success");
    assert.equal(adaptive.outstanding, false);
  });
  await t.step("a pong later than the timeout is a failure", () => {
    const clock = fakeClock();
    const adaptive = new AdaptiveHeartbeat({
      pongTimeout: 1000,
      clock,
    });
    adaptive.pingSent();
    clock.advance(1001);
    assert.equal(adaptive.pongReceived()?.result, "failure");
  });
  await t.step("a pong with no ping outstanding counts for nothing", () => {
    const adaptive = new AdaptiveHeartbeat();
    assert.equal(adaptive.pongReceived(), undefined);
    assert.equal(adaptive.state.successes, 0);
  });
  await t.step("check() counts an expired ping once", () => {
    const clock = fakeClock();
    const adaptive = new AdaptiveHeartbeat({
      pongTimeout: 1000,
      clock,
    });
    adaptive.pingSent();
    clock.advance(500);
    assert.equal(adaptive.check(), undefined);
    clock.advance(501);
    assert.equal(adaptive.check()?.result, "failure");
    assert.equal(adaptive.check(), undefined);
    assert.equal(adaptive.state.failures, 1);
  });
  await t.step("nextPingAt() follows the last ping by the interval", () => {
    const clock = fakeClock(5000);
    const adaptive = new AdaptiveHeartbeat({
      min: 2000,
      max: 9000,
      clock,
    });
    assert.equal(adaptive.nextPingAt(), 5000);
    adaptive.pingSent();
    assert.equal(adaptive.nextPingAt(), 7000);
  });
});

Deno.test("AdaptiveHeartbeat keeps what it learned when a connection dies with a ping outstanding, and starts over otherwise", () => {
  const adaptive = new AdaptiveHeartbeat({
    min: 2000,
    max: 20000,
    step: 1000,
    backoff: 1500,
  });
  for (let i = 0; i < 10; i++) adaptive.success(); // 4 s
  adaptive.pingSent();
  const lost = adaptive.connectionLost();
  assert.equal(lost.result, "failure");
  assert.equal(adaptive.interval, 4000);
  adaptive.pingSent();
  assert.equal(adaptive.connectionLost().change, "back_off");
  assert.equal(adaptive.interval, 2500);
  const other = adaptive.connectionLost(); // no ping outstanding: a plain reconnect
  assert.equal(other.result, "reset");
  assert.equal(other.change, "start_over");
  assert.equal(adaptive.interval, 2000);
  assert.equal(adaptive.settled, false);
});

Deno.test("AdaptiveHeartbeat's interval never exceeds the ceiling", () => {
  const adaptive = new AdaptiveHeartbeat({ min: 1000, max: 10000, step: 1000 });
  adaptive.setCeiling(2500);
  for (let i = 0; i < 50; i++) adaptive.success();
  assert.equal(adaptive.interval, 2500);
  adaptive.setCeiling(Infinity);
  assert.equal(adaptive.interval, 2500, "growth stopped at the ceiling");
  for (let i = 0; i < 5; i++) adaptive.success();
  assert.equal(adaptive.interval, 3500);
});

Deno.test("AdaptiveHeartbeat settles just below a NAT idle timeout it cannot see", () => {
  // A simulated NAT forgets a mapping idle for longer than natTimeout: a
  // ping after a longer gap is lost. Constants scaled as in the lab.
  for (const natTimeout of [6500, 9200, 14000]) {
    const adaptive = new AdaptiveHeartbeat({
      min: 2000,
      max: 20000,
      step: 1000,
      backoff: 1000,
    });
    const history: number[] = [];
    for (let beat = 0; beat < 300; beat++) {
      const interval = adaptive.interval;
      history.push(interval);
      if (interval < natTimeout) adaptive.success();
      else adaptive.failure();
    }
    const settled = adaptive.interval;
    assert.equal(adaptive.settled, true, `settled for NAT ${natTimeout}`);
    assert.ok(settled < natTimeout, `${settled} below ${natTimeout}`);
    assert.ok(
      settled >= natTimeout - 2000,
      `${settled} close to ${natTimeout}`,
    );
    const tail = history.slice(-100);
    assert.ok(tail.every((i) => i === settled), "and stays there");
  }
});
