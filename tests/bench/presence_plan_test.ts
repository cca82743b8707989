import assert from "node:assert/strict";
import {
  eventMargin,
  freezeBounds,
  planPresence,
  type PresenceScenario,
  watchersOf,
  watchList,
} from "../../bench/_presence_plan.ts";

const SCENARIO: PresenceScenario = {
  kills: 100,
  freezes: 100,
  freezeForMs: 3000,
  freezeBy: "pause",
  freezeWorkers: 4,
};

Deno.test("planPresence() kills distinct clients and freezes the last ones, all inside the window and resumed before it ends", () => {
  const plan = planPresence(SCENARIO, {
    clients: 10_000,
    watch: 10,
    steadyMs: 20_000,
  });
  const killed = new Set(plan.kills.map((k) => k.id));
  assert.equal(killed.size, 100);
  assert.ok([...killed].every((id) => id >= 0 && id < 9900));
  assert.equal(plan.freezes.length, 100);
  assert.deepEqual(
    plan.freezes.map((f) => [f.first, f.count]),
    Array.from({ length: 100 }, (_, i) => [9900 + i, 1]),
  );
  const margin = eventMargin(20_000);
  for (const { atMs } of plan.kills) {
    assert.ok(atMs >= margin && atMs <= 20_000 - margin, `kill at ${atMs}`);
  }
  for (const { atMs, forMs } of plan.freezes) {
    assert.ok(atMs >= margin, `freeze at ${atMs}`);
    assert.ok(atMs + forMs <= 20_000 - margin, `resume at ${atMs + forMs}`);
  }
});

Deno.test("planPresence() with sigstop freezes one range of clients per worker process", () => {
  const plan = planPresence({ ...SCENARIO, freezeBy: "sigstop" }, {
    clients: 1000,
    watch: 10,
    steadyMs: 20_000,
  });
  assert.deepEqual(plan.freezes.map((f) => [f.first, f.count]), [
    [900, 25],
    [925, 25],
    [950, 25],
    [975, 25],
  ]);
  assert.equal(plan.frozen, 100);
});

Deno.test("planPresence() refuses a scenario the clients or the window cannot hold", () => {
  assert.throws(
    () => planPresence(SCENARIO, { clients: 150, watch: 0, steadyMs: 20_000 }),
    RangeError,
  );
  assert.throws(
    () => planPresence(SCENARIO, { clients: 10, watch: 10, steadyMs: 20_000 }),
    RangeError,
  );
  assert.throws(
    () => planPresence(SCENARIO, { clients: 1000, watch: 0, steadyMs: 3000 }),
    /Cannot fit the events into a window of 3000 ms/,
  );
});

Deno.test("watchList() draws distinct others, the same in every process, and watchersOf() inverts the lists", () => {
  const plan = { clients: 200, watch: 10, seed: 1 };
  const watchers = watchersOf(plan);
  let entries = 0;
  for (let id = 0; id < plan.clients; id++) {
    const list = watchList(id, plan);
    assert.equal(new Set(list).size, 10);
    assert.ok(!list.includes(id));
    assert.ok(list.every((other) => other >= 0 && other < plan.clients));
    assert.deepEqual(watchList(id, plan), list);
    for (const other of list) assert.ok(watchers[other].includes(id));
    entries += list.length;
  }
  assert.equal(watchers.flat().length, entries);
  assert.notDeepEqual(watchList(0, { ...plan, seed: 2 }), watchList(0, plan));
  assert.deepEqual(watchersOf({ ...plan, watch: 0 })[0], []);
});

Deno.test("freezeBounds() lies between suspectAfter + tick and timeout - interval", () => {
  assert.deepEqual(
    freezeBounds({
      intervalMs: 200,
      timeoutMs: 2000,
      suspectAfterMs: 600,
      tickMs: 100,
    }),
    { above: 700, below: 1800, midway: 1250 },
  );
  assert.equal(
    freezeBounds({
      intervalMs: 1000,
      timeoutMs: 3000,
      suspectAfterMs: 1500,
      tickMs: 500,
    }),
    null,
  );
});
