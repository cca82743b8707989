/**
 * The cluster scenario's verdicts, read from what the load's clients saw
 * (`_load_cluster.ts`) against the plan (`_cluster_plan.ts`), all times on
 * the machine's one wall clock:
 *
 * - the churn: each watcher of a churner, on another node, must get exactly
 *   `offline` (reason `closed`) then `online`; latency from the churner's
 *   close to the receipt, and from its `hello` to the receipt when the
 *   churner came back on another node than the watcher's;
 * - the kill: for each client of the killed worker and each of its
 *   watchers on the other nodes, either nothing (the client was back on a
 *   live node before any node announced it lost: it never was offline for
 *   the cluster) or exactly `offline` (reason `node_lost`) and then
 *   `online`; a client that noticed late (silent) must get the latter;
 *   `node_lost` latency from the kill, against the bound (node TTL + tick);
 * - the reconnects: attempts and welcomes per bin after the kill, next to
 *   what the backoff predicts from the delays it was asked for.
 *
 * @module
 */

import type { ClusterLogReport } from "./_load_cluster.ts";
import type { ChurnPlan, LossPlan, NodeMap } from "./_cluster_plan.ts";
import { type Latencies, latencies } from "./_stats.ts";

const EXAMPLES = 5;

/** What each watcher received for each name it watches, in order. */
function sequences(
  log: ClusterLogReport,
  from: number,
  watched: ReadonlySet<number>,
  until = Infinity,
): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  for (const [w, x, state, at] of log.receipts) {
    if (at < from || at >= until || !watched.has(x)) continue;
    const key = `${w}:${x}`;
    const list = out.get(key) ?? [];
    list.push([state, at]);
    out.set(key, list);
  }
  for (const list of out.values()) list.sort((a, b) => a[1] - b[1]);
  return out;
}

/** The first time of each client at or after `from` in a log. */
function firstAfter(
  entries: readonly (readonly [number, number, ...unknown[]])[],
  from: number,
  only: (entry: readonly [number, number, ...unknown[]]) => boolean = () =>
    true,
): Map<number, number> {
  const first = new Map<number, number>();
  for (const entry of entries) {
    const [id, at] = entry;
    if (at < from || !only(entry)) continue;
    const seen = first.get(id);
    if (seen === undefined || at < seen) first.set(id, at);
  }
  return first;
}

/** The churn's verdict. */
export interface ChurnResult {
  /** Clients that closed and reopened. */
  churners: number;
  /** Presence changes per second the churners made, closes and reopens. */
  changesPerSecond: number;
  /** Watcher and churner pairs (each on another node when planned). */
  pairs: number;
  /** Pairs that got exactly `offline` (`closed`) then `online`. */
  exactlyOnce: number;
  /** Pairs that got anything else. */
  wrong: number;
  /** From the close to each watcher's `offline`, ms. */
  offline: Latencies;
  /** From the `hello` to each watcher's `online`, ms, across nodes. */
  online: Latencies;
  /** `online` receipts not timed: the churner came back on the watcher's node. */
  onlineSameNode: number;
  /** A few of the problems. */
  examples: string[];
}

/**
 * Reads the churn.
 *
 * @param plan The churn's plan.
 * @param log What the clients saw and did.
 * @param options When it started and when what followed began (the
 * kill: receipts from then on are not the churn's), on the wall clock,
 * and where the churners were after it.
 * @returns The verdict.
 *
 * @example
 * ```ts
 * import { checkChurn } from "./_cluster_check.ts";
 * const plan = { churn: [[0, 0, 100]] as [number, number, number][], lists: [[1, [0]]] as [number, number[]][] };
 * const log = {
 *   receipts: [[1, 0, "offline:closed", 1003], [1, 0, "online", 1106]] as [number, number, string, number][],
 *   losses: [[0, 1000, 1]] as [number, number, number][], hellos: [[0, 1101]] as [number, number][],
 *   attempts: [], welcomes: [], refusals: [], retries: [],
 * };
 * const result = checkChurn(plan, log, { startAt: 990, forMs: 10, nodesAfter: Int8Array.of(2, 1) });
 * console.log(result.exactlyOnce, result.offline.max, result.online.max); // 1 3 5
 * ```
 */
export function checkChurn(
  plan: ChurnPlan,
  log: ClusterLogReport,
  options: {
    startAt: number;
    endAt?: number;
    forMs: number;
    nodesAfter: NodeMap;
  },
): ChurnResult {
  const churners = new Set(plan.churn.map(([id]) => id));
  const closes = firstAfter(log.losses, options.startAt, (e) => e[2] === 1);
  const hellos = new Map<number, number>();
  for (const [id, at] of log.hellos) {
    const close = closes.get(id);
    if (close === undefined || at < close || !churners.has(id)) continue;
    const seen = hellos.get(id);
    if (seen === undefined || at < seen) hellos.set(id, at);
  }
  const seen = sequences(log, options.startAt, churners, options.endAt);
  const offline: number[] = [];
  const online: number[] = [];
  const examples: string[] = [];
  let pairs = 0;
  let exactlyOnce = 0;
  let onlineSameNode = 0;
  for (const [w, ids] of plan.lists) {
    for (const x of ids) {
      pairs++;
      const got = seen.get(`${w}:${x}`) ?? [];
      const states = got.map(([state]) => state);
      if (
        states.length !== 2 || states[0] !== "offline:closed" ||
        states[1] !== "online"
      ) {
        if (examples.length < EXAMPLES) {
          examples.push(`watcher ${w} of churner ${x} got [${states}]`);
        }
        continue;
      }
      exactlyOnce++;
      const close = closes.get(x);
      if (close !== undefined) offline.push(got[0][1] - close);
      const hello = hellos.get(x);
      const back = options.nodesAfter[x];
      if (hello === undefined || back === 0) continue;
      if (back === options.nodesAfter[w]) onlineSameNode++;
      else online.push(got[1][1] - hello);
    }
  }
  const events = [...closes.entries()].filter(([id]) => churners.has(id))
    .map(([, at]) => at).concat([...hellos.values()]).sort((a, b) => a - b);
  const spanMs = events.length > 1 ? events[events.length - 1] - events[0] : 0;
  return {
    churners: churners.size,
    changesPerSecond: spanMs > 0 ? (events.length / spanMs) * 1000 : 0,
    pairs,
    exactlyOnce,
    wrong: pairs - exactlyOnce,
    offline: latencies(offline),
    online: latencies(online),
    onlineSameNode,
    examples,
  };
}

/** The kill's verdict. */
export interface LossResult {
  /** Clients of the killed worker. */
  victims: number;
  /** Of those, the ones that noticed late. */
  silent: number;
  /** Watcher and victim pairs, each watcher on a surviving node. */
  pairs: number;
  /** The bound: node TTL + tick, ms. */
  boundMs: number;
  /** From the kill to the first `node_lost` anywhere, ms (null: none). */
  firstAnnouncedMs: number | null;
  /** From the kill to each watcher's `node_lost`, ms. */
  nodeLost: Latencies;
  /** `node_lost` receipts later than the bound. */
  overBound: number;
  /** Pairs that got `offline` (`node_lost`) then `online`, once each. */
  lostThenOnline: number;
  /**
   * Pairs that got nothing: the client was back (its `hello` sent) before
   * any announcement.
   */
  backFirst: number;
  /** Silent clients' pairs, and those of them told `node_lost` then `online`. */
  silentPairs: { expected: number; exactlyOnce: number };
  /**
   * Pairs that got nothing though the client's `hello` came only after an
   * announcement (or it was silent, or never back).
   */
  missing: number;
  /** Pairs that got only `node_lost`: the client was not back. */
  notBack: number;
  /** Pairs that got anything else. */
  wrong: number;
  /** Victims back (a `welcome`) after the kill, and how long they took. */
  back: { clients: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Where the victims are afterwards: node number → clients (0: not back). */
  landed: Record<string, number>;
  /** A few of the problems. */
  examples: string[];
}

/**
 * Reads the kill.
 *
 * @param plan The kill's plan.
 * @param log What the clients saw and did.
 * @param options When the kill was, the bound, and where the victims are
 * afterwards.
 * @returns The verdict.
 *
 * @example One victim back before the announcement, one silent one told
 * ```ts
 * import { checkLoss } from "./_cluster_check.ts";
 * const plan = { victims: [0, 1], silent: [1], lists: [[2, [0, 1]]] as [number, number[]][] };
 * const log = {
 *   receipts: [[2, 1, "offline:node_lost", 2500], [2, 1, "online", 17_300]] as [number, number, string, number][],
 *   losses: [], attempts: [], refusals: [], retries: [],
 *   hellos: [[0, 1290], [1, 17_190]] as [number, number][],
 *   welcomes: [[0, 1300], [1, 17_200]] as [number, number][],
 * };
 * const result = checkLoss(plan, log, { killAt: 1000, boundMs: 11_000, nodesAfter: Int8Array.of(1, 2, 1) });
 * console.log(result.backFirst, result.silentPairs, result.nodeLost.max); // 1 { expected: 1, exactlyOnce: 1 } 1500
 * ```
 */
export function checkLoss(
  plan: LossPlan,
  log: ClusterLogReport,
  options: { killAt: number; boundMs: number; nodesAfter: NodeMap },
): LossResult {
  const victims = new Set(plan.victims);
  const silent = new Set(plan.silent);
  const seen = sequences(log, options.killAt, victims);
  const welcomes = firstAfter(log.welcomes, options.killAt);
  // The hello of the connection that brought each victim back: its claim
  // reached Redis after it, so a client whose hello came after an
  // announcement cannot have beaten it (its welcome's time cannot tell: a
  // busy load worker reads it late).
  const backHellos = new Map<number, number>();
  for (const [id, at] of log.hellos) {
    const welcome = welcomes.get(id);
    if (welcome === undefined || at < options.killAt || at > welcome) continue;
    if (at > (backHellos.get(id) ?? -Infinity)) backHellos.set(id, at);
  }
  let firstAnnounced = Infinity;
  const lost: number[] = [];
  for (const [, x, state, at] of log.receipts) {
    if (at < options.killAt || !victims.has(x)) continue;
    if (state !== "offline:node_lost") continue;
    firstAnnounced = Math.min(firstAnnounced, at);
    lost.push(at - options.killAt);
  }
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < EXAMPLES) examples.push(text);
  };
  let pairs = 0;
  let lostThenOnline = 0;
  let backFirst = 0;
  let missing = 0;
  let notBack = 0;
  let wrong = 0;
  const silentPairs = { expected: 0, exactlyOnce: 0 };
  for (const [w, ids] of plan.lists) {
    for (const x of ids) {
      if (!victims.has(x)) continue;
      pairs++;
      const isSilent = silent.has(x);
      if (isSilent) silentPairs.expected++;
      const states = (seen.get(`${w}:${x}`) ?? []).map(([s]) => s);
      const hello = backHellos.get(x);
      if (states.length === 0) {
        if (hello !== undefined && hello < firstAnnounced && !isSilent) {
          backFirst++;
        } else {
          missing++;
          note(
            `watcher ${w} of ${x} got nothing (its hello ${
              hello === undefined
                ? "never came"
                : `${(hello - options.killAt).toFixed(0)} ms after the kill`
            })`,
          );
        }
      } else if (
        states.length === 2 && states[0] === "offline:node_lost" &&
        states[1] === "online"
      ) {
        lostThenOnline++;
        if (isSilent) silentPairs.exactlyOnce++;
      } else if (states.length === 1 && states[0] === "offline:node_lost") {
        notBack++;
        note(`watcher ${w} of ${x} got node_lost, and ${x} was not back`);
      } else {
        wrong++;
        note(`watcher ${w} of ${x} got [${states}]`);
      }
    }
  }
  const backMs = plan.victims.flatMap((x) => {
    const at = welcomes.get(x);
    return at === undefined ? [] : [at - options.killAt];
  });
  const took = latencies(backMs);
  const landed: Record<string, number> = {};
  for (const x of plan.victims) {
    const node = String(options.nodesAfter[x] ?? 0);
    landed[node] = (landed[node] ?? 0) + 1;
  }
  return {
    victims: plan.victims.length,
    silent: plan.silent.length,
    pairs,
    boundMs: options.boundMs,
    firstAnnouncedMs: Number.isFinite(firstAnnounced)
      ? firstAnnounced - options.killAt
      : null,
    nodeLost: latencies(lost),
    overBound: lost.filter((ms) => ms > options.boundMs).length,
    lostThenOnline,
    backFirst,
    silentPairs,
    missing,
    notBack,
    wrong,
    back: {
      clients: took.count,
      p50Ms: took.p50,
      p99Ms: took.p99,
      maxMs: took.max,
    },
    landed,
    examples,
  };
}

/** One bin of the reconnect curve. */
export interface ReconnectBin {
  /** The bin's start, ms after the kill. */
  fromMs: number;
  /** Connection attempts the victims made in it. */
  attempts: number;
  /** `welcome` frames they received in it: connections accepted and registered. */
  welcomes: number;
  /** Attempts the backoff predicts in it, from the delays it was asked for. */
  predicted: number;
}

/**
 * The victims' reconnects after the kill, bin by bin, next to what the
 * backoff predicts. Each scheduled retry waits `max(retryAfter, U × ceiling)`
 * with `U` uniform in [0, 1): a point at `retryAfter` with probability
 * `retryAfter / ceiling`, uniform above it up to the ceiling. Summed over
 * the retries actually scheduled (after each loss and each refusal), that
 * is the curve the policy predicts; the measured attempts show whether the
 * clients followed it, the welcomes whether the servers kept up.
 *
 * @param log What the clients saw and did.
 * @param victims The killed worker's clients.
 * @param options The kill's time, the bin width and how far to go.
 * @returns The bins.
 *
 * @example Two clients lost at the kill, the first delay below 500 ms
 * ```ts
 * import { reconnectCurve } from "./_cluster_check.ts";
 * const log = {
 *   receipts: [], losses: [], hellos: [], refusals: [],
 *   retries: [[0, 0, 500, 0, 120], [1, 0, 500, 0, 380]] as [number, number, number, number, number][],
 *   attempts: [[0, 121], [1, 381]] as [number, number][], welcomes: [[0, 125], [1, 386]] as [number, number][],
 * };
 * const bins = reconnectCurve(log, new Set([0, 1]), { killAt: 0, binMs: 250, horizonMs: 500 });
 * console.log(bins.map((b) => [b.attempts, b.predicted])); // [ [ 1, 1 ], [ 1, 1 ] ]
 * ```
 */
export function reconnectCurve(
  log: ClusterLogReport,
  victims: ReadonlySet<number>,
  options: { killAt: number; binMs: number; horizonMs: number },
): ReconnectBin[] {
  const { killAt, binMs } = options;
  const count = Math.ceil(options.horizonMs / binMs);
  const bins: ReconnectBin[] = Array.from({ length: count }, (_, k) => ({
    fromMs: k * binMs,
    attempts: 0,
    welcomes: 0,
    predicted: 0,
  }));
  const binOf = (at: number) => Math.floor((at - killAt) / binMs);
  const add = (at: number, key: "attempts" | "welcomes", amount = 1) => {
    const k = binOf(at);
    if (k >= 0 && k < count) bins[k][key] += amount;
  };
  for (const [id, at] of log.attempts) if (victims.has(id)) add(at, "attempts");
  for (const [id, at] of log.welcomes) if (victims.has(id)) add(at, "welcomes");
  for (const [id, at, ceiling, retryAfter] of log.retries) {
    if (!victims.has(id) || at < killAt) continue;
    if (retryAfter >= ceiling) {
      predict(bins, binOf(at + retryAfter), 1);
      continue;
    }
    predict(bins, binOf(at + retryAfter), retryAfter / ceiling);
    // Uniform from at + retryAfter to at + ceiling, a density of 1/ceiling.
    const from = at + retryAfter - killAt;
    const to = at + ceiling - killAt;
    for (let k = Math.max(0, Math.floor(from / binMs)); k < count; k++) {
      const start = Math.max(from, k * binMs);
      const end = Math.min(to, (k + 1) * binMs);
      if (end <= start) {
        if (k * binMs >= to) break;
        continue;
      }
      bins[k].predicted += (end - start) / ceiling;
    }
  }
  for (const bin of bins) bin.predicted = Math.round(bin.predicted * 10) / 10;
  return bins;
}

function predict(bins: ReconnectBin[], k: number, amount: number): void {
  if (amount > 0 && k >= 0 && k < bins.length) bins[k].predicted += amount;
}
