import assert from "node:assert/strict";
import {
  checkChurn,
  checkLoss,
  reconnectCurve,
} from "../../bench/_cluster_check.ts";
import { latencies } from "../../bench/_stats.ts";
import {
  type ClusterLogReport,
  emptyClusterLog,
} from "../../bench/_load_cluster.ts";

function log(parts: Partial<ClusterLogReport>): ClusterLogReport {
  return { ...emptyClusterLog(), ...parts };
}

Deno.test("latencies() reads the median, the 99th percentile and the maximum", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(latencies(values), {
    count: 100,
    p50: 50,
    p99: 99,
    max: 100,
  });
  assert.deepEqual(latencies([]), { count: 0, p50: 0, p99: 0, max: 0 });
});

Deno.test("checkChurn() times offline from the close and online from the hello, across nodes only, and ignores what comes after the churn", () => {
  const plan = {
    churn: [[0, 0, 1000], [1, 10, 1010]] as [number, number, number][],
    lists: [[2, [0]], [3, [0, 1]]] as [number, number[]][],
  };
  const seen = log({
    losses: [[0, 5000, 1], [1, 5010, 1]],
    hellos: [[0, 6000], [1, 6010]],
    receipts: [
      [2, 0, "online", 4000], // the snapshot, before the churn
      [2, 0, "offline:closed", 5002],
      [2, 0, "online", 6003],
      [3, 0, "offline:closed", 5004],
      [3, 0, "online", 6004],
      [3, 1, "offline:closed", 5013],
      // The second churner's watcher heard nothing more: wrong.
      // After the churn (the kill), none of this counts.
      [3, 0, "offline:node_lost", 9000],
      [3, 0, "online", 9100],
    ],
  });
  const result = checkChurn(plan, seen, {
    startAt: 4500,
    endAt: 8000,
    forMs: 20,
    // Churner 0 came back on node 1, where watcher 3 is.
    nodesAfter: Int8Array.of(1, 2, 2, 1),
  });
  assert.equal(result.churners, 2);
  assert.equal(result.pairs, 3);
  assert.equal(result.exactlyOnce, 2);
  assert.equal(result.wrong, 1);
  assert.match(
    result.examples[0],
    /watcher 3 of churner 1 got \[offline:closed\]/,
  );
  assert.deepEqual(result.offline, { count: 2, p50: 2, p99: 4, max: 4 });
  assert.deepEqual(result.online, { count: 1, p50: 3, p99: 3, max: 3 });
  assert.equal(result.onlineSameNode, 1);
});

Deno.test("checkLoss() tells apart the pairs told node_lost then online, those back before any announcement, and the wrong ones", () => {
  const plan = {
    victims: [0, 1, 2, 3, 4],
    silent: [1],
    lists: [[5, [0, 1, 2]], [6, [3, 4]]] as [number, number[]][],
  };
  const seen = log({
    hellos: [[0, 1190], [1, 16_490], [2, 2490], [3, 2590]],
    welcomes: [[0, 1200], [1, 16_500], [2, 2500], [3, 2600]],
    receipts: [
      [5, 1, "offline:node_lost", 2000],
      [5, 1, "online", 16_600],
      [5, 2, "offline:node_lost", 2001],
      [5, 2, "online", 2600],
      // Client 3 said hello after the announcement, yet its watcher heard nothing.
      // Client 4 never came back.
      [6, 4, "offline:node_lost", 2002],
      [6, 0, "online", 1300], // not a victim's pair of watcher 6: ignored
    ],
  });
  const result = checkLoss(plan, seen, {
    killAt: 1000,
    boundMs: 1001,
    nodesAfter: Int8Array.of(1, 2, 1, 2, 0, 1, 2),
  });
  assert.equal(result.pairs, 5);
  assert.equal(result.lostThenOnline, 2);
  assert.deepEqual(result.silentPairs, { expected: 1, exactlyOnce: 1 });
  assert.equal(result.backFirst, 1);
  assert.equal(result.missing, 1);
  assert.equal(result.notBack, 1);
  assert.equal(result.wrong, 0);
  assert.equal(result.firstAnnouncedMs, 1000);
  assert.deepEqual(result.nodeLost, {
    count: 3,
    p50: 1001,
    p99: 1002,
    max: 1002,
  });
  assert.equal(result.overBound, 1);
  assert.equal(result.back.clients, 4);
  assert.equal(result.back.maxMs, 15_500);
  assert.deepEqual(result.landed, { "0": 1, "1": 2, "2": 2 });
});

Deno.test("checkLoss() judges a client back first by the hello of its new connection, not by its welcome, which a busy load worker reads late", () => {
  const result = checkLoss(
    { victims: [0, 3], silent: [], lists: [[1, [0]], [2, [3]]] },
    log({
      // Client 0's claim beat the announcement at 1500; its welcome was read at 1600.
      hellos: [[0, 1000], [0, 1400]],
      welcomes: [[0, 1600]],
      receipts: [[2, 3, "offline:node_lost", 1500]],
    }),
    { killAt: 900, boundMs: 5000, nodesAfter: Int8Array.of(2, 1, 1) },
  );
  assert.equal(result.firstAnnouncedMs, 600);
  assert.equal(result.backFirst, 1);
  assert.equal(result.missing, 0);
  assert.equal(result.notBack, 1);
});

Deno.test("checkLoss() counts a silent client's watcher that heard nothing as missing, even if the client was back early", () => {
  const result = checkLoss(
    { victims: [0], silent: [0], lists: [[1, [0]]] },
    log({ hellos: [[0, 1090]], welcomes: [[0, 1100]] }),
    { killAt: 1000, boundMs: 5000, nodesAfter: Int8Array.of(2, 1) },
  );
  assert.equal(result.missing, 1);
  assert.equal(result.backFirst, 0);
  assert.equal(result.firstAnnouncedMs, null);
});

Deno.test("reconnectCurve() predicts a retryAfter floor as a point and the jitter above it as uniform", () => {
  const seen = log({
    retries: [
      // Ceiling 1000 ms, floor 400 ms: 40% at 400 ms, the rest over 400–1000.
      [0, 0, 1000, 400, 400],
      // A floor past the ceiling: all at the floor.
      [1, 0, 500, 800, 800],
      // Before the kill: not the kill's.
      [2, -50, 500, 0, 10],
    ],
    attempts: [[0, 401], [1, 802], [3, 150]],
    welcomes: [[0, 405], [1, 810]],
  });
  const bins = reconnectCurve(seen, new Set([0, 1, 2]), {
    killAt: 0,
    binMs: 200,
    horizonMs: 1200,
  });
  assert.deepEqual(bins.map((b) => b.fromMs), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(bins.map((b) => b.predicted), [0, 0, 0.6, 0.2, 1.2, 0]);
  assert.deepEqual(bins.map((b) => b.attempts), [0, 0, 1, 0, 1, 0]);
  assert.deepEqual(bins.map((b) => b.welcomes), [0, 0, 1, 0, 1, 0]);
  const total = bins.reduce((n, b) => n + b.predicted, 0);
  assert.ok(Math.abs(total - 2) < 1e-9, `${total}`);
});
