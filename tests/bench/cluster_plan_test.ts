import assert from "node:assert/strict";
import {
  nodeMap,
  nodesOf,
  planChurn,
  planLoss,
} from "../../bench/_cluster_plan.ts";
import { endpointKey } from "../../bench/_socket_owners.ts";

/** 3,000 clients spread round-robin over six nodes. */
const NODES = Int8Array.from({ length: 3000 }, (_, i) => 1 + (i % 6));

Deno.test("planChurn() spreads the churners' closes at half the rate of changes, reopens them after the gap, and watches each from other nodes", () => {
  const plan = planChurn(NODES, {
    changesPerSecond: 200,
    forMs: 5000,
    gapMs: 1000,
    watchers: 2,
    avoidNode: 6,
  });
  assert.equal(plan.churn.length, 500);
  assert.deepEqual(plan.churn.slice(0, 2), [[0, 0, 1000], [6, 10, 1010]]);
  const last = plan.churn[plan.churn.length - 1];
  assert.ok(last[1] < 5000, `last close at ${last[1]}`);
  const churners = new Set(plan.churn.map(([id]) => id));
  const watchersOf = new Map<number, number[]>();
  for (const [w, ids] of plan.lists) {
    assert.ok(!churners.has(w), `churner ${w} watches`);
    assert.notEqual(NODES[w], 6, `watcher ${w} on the node to be killed`);
    for (const x of ids) watchersOf.set(x, [...watchersOf.get(x) ?? [], w]);
  }
  for (const x of churners) {
    const ws = watchersOf.get(x) ?? [];
    assert.equal(ws.length, 2, `churner ${x}`);
    const nodes = ws.map((w) => NODES[w]);
    assert.ok(nodes.every((n) => n !== NODES[x]), `same node for ${x}`);
    assert.notEqual(nodes[0], nodes[1], `one node twice for ${x}`);
  }
  // The entries spread evenly: no watcher holds many more than another.
  const sizes = plan.lists.map(([, ids]) => ids.length);
  assert.ok(
    Math.max(...sizes) <= 2,
    `${Math.max(...sizes)} names at one watcher`,
  );
});

Deno.test("planChurn() refuses a rate that would churn more than half of the clients", () => {
  assert.throws(
    () =>
      planChurn(NODES, {
        changesPerSecond: 1000,
        forMs: 10_000,
        gapMs: 1000,
        watchers: 2,
        avoidNode: 6,
      }),
    /Cannot churn 5000 clients of 3000/,
  );
});

Deno.test("planLoss() takes every client of the victim, watches each from surviving nodes, and spreads the silent ones", () => {
  const exclude = new Set([1, 2, 3]);
  const plan = planLoss(NODES, 4, { watchers: 2, silent: 50, exclude });
  assert.equal(plan.victims.length, 500);
  assert.ok(plan.victims.every((id) => NODES[id] === 4));
  assert.equal(plan.silent.length, 50);
  assert.equal(new Set(plan.silent).size, 50);
  assert.ok(plan.silent.every((id) => NODES[id] === 4));
  let entries = 0;
  for (const [w, ids] of plan.lists) {
    assert.notEqual(NODES[w], 4);
    assert.ok(!exclude.has(w));
    entries += ids.length;
  }
  assert.equal(entries, 1000);
  assert.deepEqual(nodesOf(NODES), [1, 2, 3, 4, 5, 6]);
});

Deno.test("planLoss() is the same for the same seed", () => {
  const a = planLoss(NODES, 2, { watchers: 2, silent: 5 });
  const b = planLoss(NODES, 2, { watchers: 2, silent: 5 });
  assert.deepEqual(a, b);
  const c = planLoss(NODES, 2, { watchers: 2, silent: 5, seed: 9 });
  assert.notDeepEqual(a.lists, c.lists);
});

Deno.test("nodeMap() places each client by its source and port, and leaves the unconnected and the unknown at 0", () => {
  const owners = new Map([
    [endpointKey(1, 10_000), 3],
    [endpointKey(2, 10_000), 1],
    [endpointKey(1, 10_001), 2],
  ]);
  assert.deepEqual(
    [...nodeMap(Int32Array.of(10_000, 10_000, 10_001, 0, 12_345), 2, owners)],
    [3, 1, 2, 0, 0],
  );
});
