import assert from "node:assert/strict";
import type { WorkerPresenceReport } from "../../bench/_load_types.ts";
import {
  checkPresence,
  mergePresenceResults,
} from "../../bench/_presence_check.ts";
import {
  planPresence,
  type PresencePlan,
  watchersOf,
} from "../../bench/_presence_plan.ts";

const TIMINGS = { suspectAfterMs: 1500, tickMs: 500 };

/** A plan of 50 clients watching 3 each, one kill and one freeze. */
function smallPlan(): PresencePlan {
  return planPresence({
    kills: 1,
    freezes: 1,
    freezeForMs: 3000,
    freezeBy: "pause",
    freezeWorkers: 1,
  }, { clients: 50, watch: 3, steadyMs: 10_000 });
}

/** What perfect watchers would report: every frame once, on time. */
function perfect(plan: PresencePlan): WorkerPresenceReport {
  const killed = plan.kills[0].id;
  const frozen = plan.freezes[0].first;
  const watchers = watchersOf(plan);
  const receipts: WorkerPresenceReport["receipts"] = [];
  for (const w of watchers[killed]) {
    receipts.push([w, killed, "offline:closed", 1000 + 2]);
  }
  for (const w of watchers[frozen]) {
    if (w === killed) continue;
    receipts.push([w, frozen, "suspect", 5000 + 1500 + 300]);
    receipts.push([w, frozen, "online", 8000 + 1]);
  }
  return {
    receipts,
    kills: [[killed, 1000]],
    gaps: [[frozen, 5000, 8000]],
    unwatched: 0,
    examples: [],
    snapshotMissing: 0,
    healthyMaxGapMs: 1010,
  };
}

Deno.test("checkPresence() finds every watcher told exactly once, and measures each latency from its event", () => {
  const plan = smallPlan();
  const seen = perfect(plan);
  const result = checkPresence(plan, seen, TIMINGS);
  const watchers = watchersOf(plan);
  const killed = plan.kills[0].id;
  const frozen = plan.freezes[0].first;
  assert.equal(result.offline.expected, watchers[killed].length);
  assert.equal(result.offline.exactlyOnce, result.offline.expected);
  assert.equal(result.offline.missing + result.offline.repeated, 0);
  const frozenWatchers = watchers[frozen].filter((w) => w !== killed).length;
  assert.equal(result.suspectOnline.expected, frozenWatchers);
  assert.equal(result.suspectOnline.exactlyOnce, frozenWatchers);
  assert.equal(result.unexpected, 0);
  assert.deepEqual(result.spurious, {});
  assert.deepEqual(result.examples, []);
  // The frozen client, as a watcher, is left out of the latencies.
  const healthyOf = (x: number) =>
    watchers[x].filter((w) => w !== killed && w !== frozen).length;
  assert.equal(result.latency.offline.count, healthyOf(killed));
  assert.equal(result.latency.offline.max, 2);
  assert.equal(result.latency.suspect.p50, 300);
  assert.equal(result.latency.online.p99, 1);
  assert.equal(result.shortestFreezeMs, 3000);
  assert.deepEqual(result.kills, { planned: 1, done: 1 });
});

Deno.test("checkPresence() counts a missing offline, a repeated one, a wrong sequence, an unexpected state and a false suspect", () => {
  const plan = smallPlan();
  const seen = perfect(plan);
  const killed = plan.kills[0].id;
  const frozen = plan.freezes[0].first;
  const offline = seen.receipts.filter((r) => r[1] === killed);
  const [first, second] = offline;
  seen.receipts = seen.receipts.filter((r) => r !== first);
  seen.receipts.push(second);
  const aSuspect = seen.receipts.findIndex((r) =>
    r[1] === frozen && r[2] === "suspect"
  );
  seen.receipts.splice(aSuspect, 1);
  const bystander = [...Array(50).keys()].find((id) =>
    id !== killed && id !== frozen
  )!;
  const watcherOfBystander = watchersOf(plan)[bystander].find((w) =>
    w !== killed
  )!;
  seen.receipts.push([watcherOfBystander, bystander, "suspect", 4000]);
  seen.receipts.push([second[0], killed, "suspect", 900]);
  const result = checkPresence(plan, seen, TIMINGS);
  assert.equal(result.offline.missing, 1);
  assert.equal(result.offline.repeated, 1);
  assert.equal(result.suspectOnline.wrong, 1);
  assert.equal(result.unexpected, 1);
  assert.deepEqual(result.spurious, { suspect: 1 });
  assert.equal(result.examples.length, 5);
});

Deno.test("mergePresenceResults() sums the counts of the rounds and takes the medians of their percentiles", () => {
  const plan = smallPlan();
  const one = checkPresence(plan, perfect(plan), TIMINGS);
  const slower = structuredClone(one);
  slower.latency.offline = { count: 4, p50: 4, p99: 10, max: 30 };
  slower.spurious = { suspect: 2 };
  const merged = mergePresenceResults([one, slower, one]);
  assert.equal(merged.offline.expected, 3 * one.offline.expected);
  assert.equal(merged.kills.done, 3);
  assert.equal(merged.latency.offline.p50, 2);
  assert.equal(merged.latency.offline.max, 30);
  assert.deepEqual(merged.spurious, { suspect: 2 });
});
