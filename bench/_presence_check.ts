/**
 * The presence scenario's verdict: what every watcher received, read
 * against the plan (who watches whom, who was killed, who was frozen) and
 * against what the workers did (when each kill happened, each frozen
 * client's silence). Latencies run from the event to the watcher's
 * receipt, both on the machine's wall clock: from the kill for `offline`,
 * from the suspect deadline (last frame + `suspectAfter`) for `suspect`,
 * from the first frame after the freeze for `online`.
 *
 * @module
 */

import type { WorkerPresenceReport } from "./_load_types.ts";
import { type PresencePlan, watchersOf } from "./_presence_plan.ts";
import { type Latencies, latencies, median } from "./_stats.ts";

/** The server's timings the check needs. */
export interface PresenceCheckOptions {
  /** The server's `suspectAfter`, in milliseconds. */
  suspectAfterMs: number;
  /** The server's sweep tick, in milliseconds. */
  tickMs: number;
}

/** The presence scenario's figures for one measurement. */
export interface PresenceResult {
  /** Names each client watched. */
  watch: number;
  /** How the frozen clients were frozen. */
  freezeBy: PresencePlan["freezeBy"];
  /** Kills planned and done. */
  kills: { planned: number; done: number };
  /** Freezes planned, and frozen clients whose silence was seen. */
  freezes: { planned: number; done: number };
  /** The server's `suspectAfter` and tick, in milliseconds. */
  suspectAfterMs: number;
  /** See {@link PresenceCheckOptions.tickMs}. */
  tickMs: number;
  /**
   * Latencies at watchers neither killed nor frozen: `offline` from the
   * kill, `suspect` from the suspect deadline, `online` from the resume.
   */
  latency: {
    offline: Latencies;
    suspect: Latencies;
    online: Latencies;
  };
  /** Watchers (not killed themselves) of killed clients, and what they got. */
  offline: {
    expected: number;
    exactlyOnce: number;
    missing: number;
    repeated: number;
  };
  /** Watchers (not killed) of frozen clients; exactly `suspect` then `online`. */
  suspectOnline: { expected: number; exactlyOnce: number; wrong: number };
  /** Other frames for a killed or frozen name (a wrong state or reason). */
  unexpected: number;
  /** Frames for names nothing happened to, by state (false suspects). */
  spurious: Record<string, number>;
  /** Frames for a name the receiver does not watch (whole run). */
  unwatched: number;
  /** Watch entries without a snapshot before the window. */
  snapshotMissing: number;
  /** The longest silence of a client neither killed nor frozen, ms. */
  healthyMaxGapMs: number;
  /** The shortest silence of a frozen client, ms (0 when none). */
  shortestFreezeMs: number;
  /** A few of the problems, for people. */
  examples: string[];
}

const EXAMPLES = 5;

/**
 * Reads what the watchers received against the plan.
 *
 * @param plan The plan the load carried out.
 * @param seen What the workers reported, merged.
 * @param options The server's `suspectAfter` and tick.
 * @returns The verdict and the latencies.
 *
 * @example One kill, seen by its one watcher 2 ms later
 * ```ts
 * import { checkPresence } from "./_presence_check.ts";
 * import { planPresence, watchersOf } from "./_presence_plan.ts";
 * const plan = planPresence(
 *   { kills: 1, freezes: 0, freezeForMs: 0, freezeBy: "pause", freezeWorkers: 1 },
 *   { clients: 2, watch: 1, steadyMs: 5000 },
 * );
 * const [killed] = plan.kills.map((k) => k.id);
 * const [watcher] = watchersOf(plan)[killed];
 * const result = checkPresence(plan, {
 *   receipts: [[watcher, killed, "offline:closed", 1002]],
 *   kills: [[killed, 1000]], gaps: [], unwatched: 0, examples: [],
 *   snapshotMissing: 0, healthyMaxGapMs: 1000,
 * }, { suspectAfterMs: 1500, tickMs: 500 });
 * console.log(result.offline.exactlyOnce, result.latency.offline.max); // 1 2
 * ```
 */
export function checkPresence(
  plan: PresencePlan,
  seen: WorkerPresenceReport,
  options: PresenceCheckOptions,
): PresenceResult {
  const clients = plan.clients;
  const killedAt = new Map(seen.kills);
  const plannedKills = new Set(plan.kills.map((k) => k.id));
  const frozen = new Set<number>();
  for (const f of plan.freezes) {
    for (let id = f.first; id < f.first + f.count; id++) frozen.add(id);
  }
  const silence = new Map(
    seen.gaps.map(([id, from, to]) => [id, { from, to }]),
  );
  const alive = (w: number) => !plannedKills.has(w);
  const healthy = (w: number) => alive(w) && !frozen.has(w);
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < EXAMPLES) examples.push(text);
  };
  const offlines = new Map<number, number>();
  const sequences = new Map<number, string[]>();
  const latency = {
    offline: [] as number[],
    suspect: [] as number[],
    online: [] as number[],
  };
  const spurious: Record<string, number> = {};
  let unexpected = 0;
  for (const [w, x, state, at] of seen.receipts) {
    if (!alive(w)) continue;
    const pair = w * clients + x;
    if (plannedKills.has(x)) {
      if (state !== "offline:closed") {
        unexpected++;
        note(`${w} got ${state} for killed ${x}`);
      }
      if (!state.startsWith("offline")) continue;
      offlines.set(pair, (offlines.get(pair) ?? 0) + 1);
      const kill = killedAt.get(x);
      if (kill !== undefined && healthy(w)) latency.offline.push(at - kill);
    } else if (frozen.has(x)) {
      const list = sequences.get(pair) ?? [];
      list.push(state);
      sequences.set(pair, list);
      const gap = silence.get(x);
      if (gap === undefined || !healthy(w)) continue;
      if (state === "suspect") {
        latency.suspect.push(at - (gap.from + options.suspectAfterMs));
      } else if (state === "online") {
        latency.online.push(at - gap.to);
      }
    } else {
      spurious[state] = (spurious[state] ?? 0) + 1;
      note(`${w} got ${state} for ${x}, which was neither killed nor frozen`);
    }
  }
  const watchers = watchersOf(plan);
  const offline = { expected: 0, exactlyOnce: 0, missing: 0, repeated: 0 };
  for (const x of killedAt.keys()) {
    for (const w of watchers[x]) {
      if (!alive(w)) continue;
      offline.expected++;
      const count = offlines.get(w * clients + x) ?? 0;
      if (count === 1) offline.exactlyOnce++;
      else if (count === 0) {
        offline.missing++;
        note(`${w} got no offline for killed ${x}`);
      } else {
        offline.repeated++;
        note(`${w} got ${count} offline frames for killed ${x}`);
      }
    }
  }
  const suspectOnline = { expected: 0, exactlyOnce: 0, wrong: 0 };
  let shortestFreezeMs = Infinity;
  for (const [x, gap] of silence) {
    shortestFreezeMs = Math.min(shortestFreezeMs, gap.to - gap.from);
    for (const w of watchers[x]) {
      if (!alive(w)) continue;
      suspectOnline.expected++;
      const got = (sequences.get(w * clients + x) ?? []).join(",");
      if (got === "suspect,online") suspectOnline.exactlyOnce++;
      else {
        suspectOnline.wrong++;
        note(`${w} got [${got}] for frozen ${x}`);
      }
    }
  }
  return {
    watch: plan.watch,
    freezeBy: plan.freezeBy,
    kills: { planned: plan.kills.length, done: killedAt.size },
    freezes: { planned: frozen.size, done: silence.size },
    suspectAfterMs: options.suspectAfterMs,
    tickMs: options.tickMs,
    latency: {
      offline: latencies(latency.offline),
      suspect: latencies(latency.suspect),
      online: latencies(latency.online),
    },
    offline,
    suspectOnline,
    unexpected,
    spurious,
    unwatched: seen.unwatched,
    snapshotMissing: seen.snapshotMissing,
    healthyMaxGapMs: seen.healthyMaxGapMs,
    shortestFreezeMs: Number.isFinite(shortestFreezeMs) ? shortestFreezeMs : 0,
    examples: [...seen.examples, ...examples].slice(0, EXAMPLES),
  };
}

function mergeLatency(list: Latencies[]): Latencies {
  const measured = list.filter((l) => l.count > 0);
  if (measured.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  return {
    count: measured.reduce((total, l) => total + l.count, 0),
    p50: median(measured.map((l) => l.p50)),
    p99: median(measured.map((l) => l.p99)),
    max: Math.max(...measured.map((l) => l.max)),
  };
}

function sum<T>(list: T[], get: (item: T) => number): number {
  return list.reduce((total, item) => total + get(item), 0);
}

/**
 * Merges the rounds of one server's measurement: the medians of the
 * rounds' p50 and p99, the largest max, and every count summed (so a
 * problem in any round shows).
 *
 * @param rounds The rounds' results (at least one).
 * @returns One result.
 *
 * @example
 * ```ts ignore
 * import { mergePresenceResults } from "./_presence_check.ts";
 * console.log(mergePresenceResults([round1, round2]).latency.offline.p99);
 * ```
 */
export function mergePresenceResults(rounds: PresenceResult[]): PresenceResult {
  if (rounds.length === 1) return rounds[0];
  const spurious: Record<string, number> = {};
  for (const r of rounds) {
    for (const [state, n] of Object.entries(r.spurious)) {
      spurious[state] = (spurious[state] ?? 0) + n;
    }
  }
  const counts = <K extends string>(
    get: (r: PresenceResult) => Record<K, number>,
  ): Record<K, number> => {
    const merged = { ...get(rounds[0]) };
    for (const key of Object.keys(merged) as K[]) {
      merged[key] = sum(rounds, (r) => get(r)[key]);
    }
    return merged;
  };
  return {
    ...rounds[0],
    kills: counts((r) => r.kills),
    freezes: counts((r) => r.freezes),
    latency: {
      offline: mergeLatency(rounds.map((r) => r.latency.offline)),
      suspect: mergeLatency(rounds.map((r) => r.latency.suspect)),
      online: mergeLatency(rounds.map((r) => r.latency.online)),
    },
    offline: counts((r) => r.offline),
    suspectOnline: counts((r) => r.suspectOnline),
    unexpected: sum(rounds, (r) => r.unexpected),
    spurious,
    unwatched: sum(rounds, (r) => r.unwatched),
    snapshotMissing: sum(rounds, (r) => r.snapshotMissing),
    healthyMaxGapMs: Math.max(...rounds.map((r) => r.healthyMaxGapMs)),
    shortestFreezeMs: Math.min(...rounds.map((r) => r.shortestFreezeMs)),
    examples: rounds.flatMap((r) => r.examples).slice(0, EXAMPLES),
  };
}
