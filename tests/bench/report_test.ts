import assert from "node:assert/strict";
import type { PresenceResult } from "../../bench/_presence_check.ts";
import { medians, renderMarkdown } from "../../bench/_report.ts";
import type { HarnessReport, ServerResult } from "../../bench/_results.ts";

function result(overrides: Partial<ServerResult>): ServerResult {
  return {
    kind: "lifeline-node",
    label: "Lifeline (node)",
    protocol: "lifeline",
    clients: 10,
    connections: 10,
    failed: 0,
    dropped: 0,
    heartbeatsPerSecond: 10,
    rssBeforeKiB: 50_000,
    rssAfterRampKiB: 50_100,
    rssEndKiB: 50_100,
    peakKiB: 50_100,
    rssPerConnectionKiB: 4,
    rssCreep: 1,
    cpuPercent: 10,
    cpuMicrosPerHeartbeat: 10,
    rtt: { count: 100, p50: 0.5, p99: 1, max: 2 },
    worstPerSecond: [],
    late: 0,
    falseTimeouts: 0,
    rampMs: 100,
    steadySeconds: 1,
    samples: [],
    errors: {},
    frames: {},
    ...overrides,
  };
}

function report(results: ServerResult[]): HarnessReport {
  return {
    date: "2026-01-01T00:00:00.000Z",
    command: "deno task bench",
    machine: { cpu: "test", cores: 2, kernel: "6.0", memoryMiB: 1024 },
    load: { before: "0 0 0", after: "0 0 0" },
    versions: { deno: "2", v8: "15", go: "none", lifeline: "abc1234" },
    netns: false,
    settings: {},
    results,
    skipped: [],
  };
}

const OLD = {
  revision: "4493b0c",
  label: "Lifeline (node) @4493b0c",
  rssPerConnectionKiB: 5,
  cpuPercent: 8,
  falseTimeoutsFrom: "clients" as const,
};

Deno.test("medians() keeps a server at another revision apart from the same server here", () => {
  const merged = medians([
    result({ round: 1, cpuPercent: 9 }),
    result({ ...OLD, round: 1 }),
    result({ round: 2, cpuPercent: 11, dropped: 1 }),
    result({ ...OLD, round: 2, cpuPercent: 10 }),
  ]);
  assert.deepEqual(merged.map((r) => [r.label, r.cpuPercent, r.dropped]), [
    ["Lifeline (node)", 10, 1],
    ["Lifeline (node) @4493b0c", 9, 0],
  ]);
});

Deno.test("renderMarkdown() compares a server with itself at another revision and marks false timeouts the clients counted", () => {
  const markdown = renderMarkdown(report([result({}), result(OLD)]));
  assert.match(markdown, /Lifeline at abc1234/);
  assert.match(
    markdown,
    /\| Lifeline \(node\) @4493b0c \| 10\/10 \|.* \| 0† \|/,
  );
  assert.match(markdown, /^† counted by the clients/m);
  assert.match(
    markdown,
    /\| Lifeline \(node\) \| Lifeline \(node\) @4493b0c \| 0\.80 \| 1\.25 \| 1\.00 \| 1\.00 \|/,
  );
  const alone = renderMarkdown(report([result({})]));
  assert.doesNotMatch(alone, /another revision|†/);
});

const PRESENCE: PresenceResult = {
  watch: 10,
  freezeBy: "pause",
  kills: { planned: 100, done: 100 },
  freezes: { planned: 100, done: 100 },
  suspectAfterMs: 1500,
  tickMs: 500,
  latency: {
    offline: { count: 950, p50: 1.2, p99: 4, max: 9 },
    suspect: { count: 940, p50: 250, p99: 505, max: 510 },
    online: { count: 940, p50: 1, p99: 3, max: 5 },
  },
  offline: { expected: 960, exactlyOnce: 960, missing: 0, repeated: 0 },
  suspectOnline: { expected: 950, exactlyOnce: 950, wrong: 0 },
  unexpected: 0,
  spurious: {},
  unwatched: 0,
  snapshotMissing: 0,
  healthyMaxGapMs: 1020,
  shortestFreezeMs: 3010,
  examples: [],
};

Deno.test("medians() keeps a server with watches apart from the same server without, and merges their presence figures", () => {
  const merged = medians([
    result({ round: 1, cpuPercent: 10 }),
    result({ round: 1, watch: 10, cpuPercent: 11, presence: PRESENCE }),
    result({ round: 2, watch: 10, cpuPercent: 13, presence: PRESENCE }),
    result({ round: 2, cpuPercent: 12 }),
  ]);
  assert.deepEqual(merged.map((r) => [r.watch, r.cpuPercent]), [
    [undefined, 11],
    [10, 12],
  ]);
  assert.equal(merged[1].presence?.offline.expected, 1920);
});

Deno.test("renderMarkdown() compares watching with not watching in the same run, and shows the presence latencies and verdict", () => {
  const markdown = renderMarkdown(report([
    result({ rssPerConnectionKiB: 4, cpuPercent: 10, presence: PRESENCE }),
    result({
      label: "Lifeline (node), watching 10",
      watch: 10,
      rssPerConnectionKiB: 5,
      cpuPercent: 10.5,
      presence: PRESENCE,
    }),
  ]));
  assert.match(
    markdown,
    /\| Lifeline \(node\), watching 10 \| Lifeline \(node\) \| 5\.00 \/ 4\.00 \| 1\.25 \| 1\.00 \| 10\.5 \/ 10\.0 \| 1\.05 \|/,
  );
  assert.match(
    markdown,
    /\| Lifeline \(node\), watching 10 \| suspect deadline → suspect \| 940 \| 250\.0 \| 505\.0 \| 510\.0 \| 500 \| 5\.0 \|/,
  );
  assert.match(
    markdown,
    /\| Lifeline \(node\), watching 10 \| 100\/100, 100\/100 \(pause\) \| 960\/960 \| 950\/950 \| 0 \| 0 \| 0 \| 0 \| 1020 \| 3010 \|/,
  );
  assert.match(
    markdown,
    /\| Lifeline \(node\) \| 100\/100, 100\/100 \(pause\) \| – \|/,
  );
  assert.doesNotMatch(renderMarkdown(report([result({})])), /watch/);
});
