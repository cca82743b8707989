import assert from "node:assert/strict";
import { sleepAwareClock } from "../../common/time.ts";

Deno.test("sleepAwareClock follows monotonic time and adopts forward jumps of the wall clock", async (t) => {
  let wall = 1_000_000;
  let mono = 50;
  const clock = sleepAwareClock(() => wall, () => mono);
  assert.equal(clock.now(), 1_000_000);
  await t.step("both clocks advance together", () => {
    wall += 100;
    mono += 100;
    assert.equal(clock.now(), 1_000_100);
  });
  await t.step(
    "a sleep: the wall clock jumps, monotonic time stood still",
    () => {
      wall += 3_600_000;
      assert.equal(clock.now(), 4_600_100);
      mono += 10;
      wall += 10;
      assert.equal(clock.now(), 4_600_110);
    },
  );
  await t.step("the wall clock set back: time keeps going forward", () => {
    wall -= 7_200_000;
    mono += 10;
    assert.equal(clock.now(), 4_600_120);
    mono += 5;
    assert.equal(clock.now(), 4_600_125);
  });
});
