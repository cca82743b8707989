import assert from "node:assert/strict";
import { TypedEventTarget } from "../../common/typed_event_target.ts";

interface Events {
  tick: CustomEvent<{ n: number }>;
}

class Ticker extends TypedEventTarget<Events> {
  built = 0;
  tick(n: number): void {
    if (!this.hasListeners("tick")) return;
    this.built++;
    this.emit("tick", { n });
  }
}

Deno.test("TypedEventTarget builds events only while a listener is added", () => {
  const ticker = new Ticker();
  ticker.tick(1);
  assert.equal(ticker.built, 0);
  const seen: number[] = [];
  const listener = (event: CustomEvent<{ n: number }>) =>
    seen.push(event.detail.n);
  ticker.addEventListener("tick", listener);
  ticker.tick(2);
  ticker.removeEventListener("tick", listener);
  ticker.tick(3);
  assert.deepEqual(seen, [2]);
  assert.equal(ticker.built, 1);
});

Deno.test("TypedEventTarget delivers to handleEvent objects and keeps listeners per type", () => {
  const ticker = new Ticker();
  const seen: number[] = [];
  const object = {
    handleEvent(event: CustomEvent<{ n: number }>) {
      seen.push(event.detail.n);
    },
  };
  ticker.addEventListener("tick", object);
  ticker.addEventListener("other", () => seen.push(-1));
  ticker.tick(5);
  ticker.removeEventListener("tick", object);
  ticker.tick(6);
  assert.deepEqual(seen, [5]);
  assert.equal(ticker.built, 1);
});
