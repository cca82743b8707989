/**
 * The cluster scenario's plan, drawn from where the clients landed (the
 * kernel spreads them under `--reuse-port`; `_socket_owners.ts` tells which
 * worker holds each): the churners that close and reopen their connections
 * at a steady rate of presence changes, the worker to kill, and for every
 * watched client its watchers, each on another node than the one holding
 * it, so that every latency measured crosses nodes. Deterministic for a
 * seed.
 *
 * @module
 */

import { mulberry32 } from "./_stats.ts";

/** Where each client is: its worker's number (from 1), 0 when unknown. */
export type NodeMap = Int8Array;

/** The churn: presence changes at a steady rate, watched from other nodes. */
export interface ChurnPlan {
  /** [client, close after ms, reopen after ms], from the churn's start. */
  churn: [number, number, number][];
  /** Watch lists: [watcher, watched clients]. */
  lists: [number, number[]][];
}

/** Options of {@link planChurn}. */
export interface ChurnOptions {
  /** Presence changes per second (a close and a reopen are two). */
  changesPerSecond: number;
  /** How long the closes go on, in milliseconds. */
  forMs: number;
  /** From a churner's close to its reopen, in milliseconds. */
  gapMs: number;
  /** Watchers per churner, each on a node of its own. */
  watchers: number;
  /** A node none of the watchers may be on (the one to be killed). */
  avoidNode: number;
  /** The seed. @default {1} */
  seed?: number;
}

/** The kill: the victim's clients and their watchers elsewhere. */
export interface LossPlan {
  /** The victim's clients. */
  victims: number[];
  /** Those of them that notice the loss late (as if it were silent). */
  silent: number[];
  /** Watch lists: [watcher, watched clients]. */
  lists: [number, number[]][];
}

/** Options of {@link planLoss}. */
export interface LossOptions {
  /** Watchers per victim, each on a node of its own. */
  watchers: number;
  /** How many victims notice late. */
  silent: number;
  /** Clients that may not watch (the churners). */
  exclude?: ReadonlySet<number>;
  /** The seed. @default {2} */
  seed?: number;
}

function shuffle(items: number[], next: () => number): number[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** `count` items spread evenly over a list. */
function spread(items: number[], count: number): number[] {
  if (count >= items.length) return [...items];
  return Array.from(
    { length: count },
    (_, k) => items[Math.floor((k * items.length) / count)],
  );
}

/** The nodes present in a map, in order. */
export function nodesOf(nodes: NodeMap): number[] {
  const seen = new Set<number>();
  for (const node of nodes) if (node > 0) seen.add(node);
  return [...seen].sort((a, b) => a - b);
}

/**
 * Hands out watchers: for each watched client, `count` clients on distinct
 * nodes other than its own, taken in turn from shuffled pools so that the
 * watch entries spread evenly over the watchers.
 */
class WatcherPools {
  readonly #pools = new Map<number, number[]>();
  readonly #cursor = new Map<number, number>();
  readonly #lists = new Map<number, number[]>();
  #turn = 0;

  constructor(
    nodes: NodeMap,
    allowed: (id: number, node: number) => boolean,
    next: () => number,
  ) {
    for (let id = 0; id < nodes.length; id++) {
      const node = nodes[id];
      if (node <= 0 || !allowed(id, node)) continue;
      const pool = this.#pools.get(node) ?? [];
      pool.push(id);
      this.#pools.set(node, pool);
    }
    for (const pool of this.#pools.values()) shuffle(pool, next);
  }

  /** Gives `watched` up to `count` watchers, none on `node`. */
  assign(watched: number, node: number, count: number): void {
    const others = [...this.#pools.keys()].filter((n) => n !== node).sort((
      a,
      b,
    ) => a - b);
    if (others.length === 0) return;
    const take = Math.min(count, others.length);
    for (let k = 0; k < take; k++) {
      const pool = others[(this.#turn + k) % others.length];
      const ids = this.#pools.get(pool)!;
      const at = this.#cursor.get(pool) ?? 0;
      const watcher = ids[at % ids.length];
      this.#cursor.set(pool, at + 1);
      const list = this.#lists.get(watcher) ?? [];
      list.push(watched);
      this.#lists.set(watcher, list);
    }
    this.#turn++;
  }

  get lists(): [number, number[]][] {
    return [...this.#lists].sort((a, b) => a[0] - b[0]);
  }
}

/**
 * Plans the churn: churners spread over the clients, closing one after
 * another at half the rate of changes and reopening `gapMs` later, so that
 * closes and reopens together make `changesPerSecond`; each watched from
 * `watchers` other nodes by clients that do not churn.
 *
 * @param nodes Where each client is.
 * @param options The rate, the length, the watchers.
 * @returns The plan.
 * @throws {RangeError} When there are too few clients for the rate.
 *
 * @example
 * ```ts
 * import { planChurn } from "./_cluster_plan.ts";
 * const nodes = Int8Array.from({ length: 600 }, (_, i) => 1 + (i % 3));
 * const plan = planChurn(nodes, {
 *   changesPerSecond: 100, forMs: 2000, gapMs: 500, watchers: 2, avoidNode: 3,
 * });
 * console.log(plan.churn.length, plan.churn[1]); // 100 [ 6, 20, 520 ]
 * ```
 */
export function planChurn(nodes: NodeMap, options: ChurnOptions): ChurnPlan {
  const next = mulberry32(options.seed ?? 1);
  const count = Math.round((options.changesPerSecond * options.forMs) / 2000);
  const mapped: number[] = [];
  for (let id = 0; id < nodes.length; id++) if (nodes[id] > 0) mapped.push(id);
  if (count > mapped.length / 2) {
    throw new RangeError(
      `Cannot churn ${count} clients of ${mapped.length}: expected at most half of them`,
    );
  }
  const churners = spread(mapped, count);
  const churning = new Set(churners);
  const stepMs = 2000 / options.changesPerSecond;
  const churn = churners.map((id, k): [number, number, number] => {
    const closeMs = Math.round(k * stepMs);
    return [id, closeMs, closeMs + options.gapMs];
  });
  const pools = new WatcherPools(
    nodes,
    (id, node) => !churning.has(id) && node !== options.avoidNode,
    next,
  );
  for (const id of churners) pools.assign(id, nodes[id], options.watchers);
  return { churn, lists: pools.lists };
}

/**
 * Plans what the kill is checked with: every client of the victim node,
 * `watchers` watchers each on the other nodes, and `silent` of them, spread
 * evenly, that notice the loss late.
 *
 * @param nodes Where each client is, just before the kill.
 * @param victim The node to be killed.
 * @param options The watchers and the silent clients.
 * @returns The plan.
 *
 * @example
 * ```ts
 * import { planLoss } from "./_cluster_plan.ts";
 * const nodes = Int8Array.from({ length: 30 }, (_, i) => 1 + (i % 3));
 * const plan = planLoss(nodes, 3, { watchers: 2, silent: 2 });
 * console.log(plan.victims.length, plan.silent); // 10 [ 2, 17 ]
 * ```
 */
export function planLoss(
  nodes: NodeMap,
  victim: number,
  options: LossOptions,
): LossPlan {
  const next = mulberry32(options.seed ?? 2);
  const victims: number[] = [];
  for (let id = 0; id < nodes.length; id++) {
    if (nodes[id] === victim) victims.push(id);
  }
  const exclude = options.exclude ?? new Set();
  const pools = new WatcherPools(
    nodes,
    (id, node) => node !== victim && !exclude.has(id),
    next,
  );
  for (const id of victims) pools.assign(id, victim, options.watchers);
  return {
    victims,
    silent: spread(victims, options.silent),
    lists: pools.lists,
  };
}

/**
 * Where the clients are, from the load's local ports and the servers'
 * sockets.
 *
 * @param ports Each client's local port (0 when not connected).
 * @param sources How many source addresses the load uses (client `g`
 * connects from `127.0.0.(1 + g mod sources)`).
 * @param owners The worker holding each client end, by endpoint key
 * (`_socket_owners.ts`).
 * @returns The node map.
 *
 * @example
 * ```ts
 * import { nodeMap } from "./_cluster_plan.ts";
 * import { endpointKey } from "./_socket_owners.ts";
 * const owners = new Map([[endpointKey(1, 10_000), 2], [endpointKey(2, 10_000), 1]]);
 * console.log(nodeMap(Int32Array.of(10_000, 10_000, 0), 2, owners)); // Int8Array(3) [ 2, 1, 0 ]
 * ```
 */
export function nodeMap(
  ports: Int32Array,
  sources: number,
  owners: Map<number, number>,
): NodeMap {
  const nodes = new Int8Array(ports.length);
  for (let id = 0; id < ports.length; id++) {
    if (ports[id] === 0) continue;
    const key = (1 + (id % sources)) * 65536 + ports[id];
    nodes[id] = owners.get(key) ?? 0;
  }
  return nodes;
}
