/**
 * A load worker's side of the cluster scenario: the watch lists the harness
 * hands its clients (re-sent after every `welcome`, as the Lifeline client
 * does), every `presence` frame they receive, and every connection event
 * after the ramp, each with its time on the machine's wall clock
 * ({@link wallNow}). A client the server closes connects again with the
 * Lifeline client's own policy: the `Backoff` of `liveness/backoff.ts`
 * with the client's defaults, `connected()` at `welcome`, `disconnected()`
 * when a welcomed connection ends, `next({ retryAfter })` with the hint of
 * a `bye`. A client told to be silent behaves as one whose server died
 * without a word: it notices only after `forMs`, as the client notices a
 * server that stopped answering.
 *
 * @module
 */

import { Backoff } from "../liveness/backoff.ts";
import { wallNow } from "./_load_presence.ts";

/**
 * A `presence` frame a client received: [watcher's number, watched
 * client's number, state (with `:reason` when it has one), arrival].
 */
export type ClusterReceipt = [number, number, string, number];

/**
 * A reconnect scheduled by the backoff: [client's number, when the loss was
 * noticed, the backoff's ceiling for this attempt, the `retryAfter` floor
 * (0 when none), the delay drawn], times in ms on the wall clock.
 */
export type ScheduledRetry = [number, number, number, number, number];

/** What a worker's clients saw and did, on the wall clock. */
export interface ClusterLogReport {
  /** Every `presence` frame received. */
  receipts: ClusterReceipt[];
  /** Connections lost: [client, when, 1 if the load closed it, else 0]. */
  losses: [number, number, number][];
  /** Connection attempts after the ramp: [client, when]. */
  attempts: [number, number][];
  /** `hello` frames sent after the ramp: [client, when]. */
  hellos: [number, number][];
  /** `welcome` frames received after the ramp: [client, when]. */
  welcomes: [number, number][];
  /** Attempts that failed: [client, when, why (a `bye` reason or an error code)]. */
  refusals: [number, number, string][];
  /** Reconnects the backoff scheduled. */
  retries: ScheduledRetry[];
}

const RETRY_AFTER = /"retryAfter":(\d+)/;
const REASON = /"reason":"([a-z_]+)"/;

/** The cluster side of one load worker's clients. */
export class ClusterClients {
  readonly #firstId: number;
  readonly #prefix: string;
  readonly #lists = new Map<number, number[]>();
  readonly #awaiting = new Map<number, Set<number>>();
  readonly #backoffs = new Map<number, Backoff>();
  readonly #silent = new Map<number, number>();
  readonly #retryAfter = new Map<number, number>();
  readonly #planned: Uint8Array;
  #logging = false;
  #log: ClusterLogReport = emptyClusterLog();

  /**
   * Creates the cluster side of a worker's clients.
   *
   * @param clients The first client's number, how many, their names' prefix.
   */
  constructor(clients: { firstId: number; count: number; namePrefix: string }) {
    this.#firstId = clients.firstId;
    this.#prefix = clients.namePrefix;
    this.#planned = new Uint8Array(clients.count);
  }

  /** From now on, connection events are logged (the ramp is over). */
  startLogging(): void {
    this.#logging = true;
  }

  /**
   * Adds names to clients' watch lists.
   *
   * @param lists [client's index in the worker, watched clients' numbers].
   * @returns The `watch` frame each client must send now.
   */
  addWatches(lists: [number, number[]][]): [number, string][] {
    const frames: [number, string][] = [];
    for (const [i, ids] of lists) {
      const list = this.#lists.get(i) ?? [];
      const fresh = ids.filter((id) => !list.includes(id));
      if (fresh.length === 0) continue;
      list.push(...fresh);
      this.#lists.set(i, list);
      const awaiting = this.#awaiting.get(i) ?? new Set();
      for (const id of fresh) awaiting.add(id);
      this.#awaiting.set(i, awaiting);
      frames.push([i, this.#frame(fresh)]);
    }
    return frames;
  }

  /** Watch entries that have had no `presence` frame yet. */
  get pendingSnapshots(): number {
    let pending = 0;
    for (const set of this.#awaiting.values()) pending += set.size;
    return pending;
  }

  #frame(ids: number[]): string {
    const names = ids.map((id) => `${this.#prefix}${id}`);
    return `${JSON.stringify({ type: "watch", names })}\n`;
  }

  /**
   * The load closes client `i` on purpose (a churn): it is not a loss to
   * reconnect from.
   *
   * @param i The client's index in the worker.
   */
  planClose(i: number): void {
    this.#planned[i] = 1;
  }

  /**
   * Clients that, when the server closes them, notice only `forMs` later.
   *
   * @param indices The clients' indices in the worker.
   * @param forMs How long they take to notice.
   */
  silence(indices: number[], forMs: number): void {
    for (const i of indices) this.#silent.set(i, forMs);
  }

  /**
   * Client `i` starts a connection attempt.
   *
   * @param i The client's index in the worker.
   */
  attempted(i: number): void {
    if (this.#logging) this.#log.attempts.push([this.#id(i), wallNow()]);
  }

  /**
   * Client `i` sent `hello`.
   *
   * @param i The client's index in the worker.
   */
  helloSent(i: number): void {
    if (this.#logging) this.#log.hellos.push([this.#id(i), wallNow()]);
  }

  /**
   * Client `i` got `welcome`.
   *
   * @param i The client's index in the worker.
   * @param now The time on the worker's clock (`performance.now()`).
   * @returns The `watch` frame to send again, or `null`.
   */
  welcomed(i: number, now: number): string | null {
    this.#backoffs.get(i)?.connected(now);
    if (this.#logging) this.#log.welcomes.push([this.#id(i), wallNow()]);
    const list = this.#lists.get(i);
    return list === undefined ? null : this.#frame(list);
  }

  /**
   * Client `i` received a `bye`: its `retryAfter`, if any, is the floor of
   * its next delay; before `welcome` it is a refusal.
   *
   * @param i The client's index in the worker.
   * @param line The frame.
   * @param welcomed Whether the connection had its `welcome`.
   */
  bye(i: number, line: string, welcomed: boolean): void {
    const hint = RETRY_AFTER.exec(line);
    if (hint !== null) this.#retryAfter.set(i, Number(hint[1]));
    if (!welcomed && this.#logging) {
      const reason = REASON.exec(line)?.[1] ?? "?";
      this.#log.refusals.push([this.#id(i), wallNow(), reason]);
    }
  }

  /**
   * Client `i` received a `presence` frame.
   *
   * @param i The client's index in the worker.
   * @param line The frame.
   * @param at When, on the wall clock.
   */
  presence(i: number, line: string, at: number): void {
    let frame: { name?: unknown; state?: unknown; reason?: unknown };
    try {
      frame = JSON.parse(line);
    } catch {
      return;
    }
    const name = typeof frame.name === "string" ? frame.name : "";
    if (!name.startsWith(this.#prefix)) return;
    const id = Number(name.slice(this.#prefix.length));
    this.#awaiting.get(i)?.delete(id);
    const state = `${frame.state}${
      typeof frame.reason === "string" ? `:${frame.reason}` : ""
    }`;
    this.#log.receipts.push([this.#id(i), id, state, at]);
  }

  /**
   * Client `i`'s connection ended. A planned close ends there; otherwise
   * the client connects again after the backoff's delay (and, for a silent
   * client, after it has noticed).
   *
   * @param i The client's index in the worker.
   * @param now The time on the worker's clock (`performance.now()`).
   * @param welcomed Whether the connection had its `welcome`.
   * @returns The delay before the next attempt in ms, or `null` for none.
   */
  ended(i: number, now: number, welcomed: boolean): number | null {
    const at = wallNow();
    const planned = this.#planned[i] === 1;
    this.#planned[i] = 0;
    if (welcomed && this.#logging) {
      this.#log.losses.push([this.#id(i), at, planned ? 1 : 0]);
    }
    if (planned) return null;
    const noticeMs = this.#silent.get(i) ?? 0;
    this.#silent.delete(i);
    const backoff = this.#backoffFor(i);
    if (welcomed) backoff.disconnected(now + noticeMs);
    return noticeMs + this.#schedule(i, backoff, at + noticeMs);
  }

  /**
   * Client `i`'s connection attempt failed before it was open.
   *
   * @param i The client's index in the worker.
   * @param code The error's code.
   * @returns The delay before the next attempt in ms.
   */
  failed(i: number, code: string): number {
    const at = wallNow();
    if (this.#logging) this.#log.refusals.push([this.#id(i), at, code]);
    return this.#schedule(i, this.#backoffFor(i), at);
  }

  #backoffFor(i: number): Backoff {
    let backoff = this.#backoffs.get(i);
    if (backoff === undefined) {
      backoff = new Backoff();
      this.#backoffs.set(i, backoff);
    }
    return backoff;
  }

  #schedule(i: number, backoff: Backoff, at: number): number {
    const retryAfter = this.#retryAfter.get(i) ?? 0;
    this.#retryAfter.delete(i);
    const ceiling = backoff.ceiling();
    const delay = backoff.next({ retryAfter });
    if (this.#logging) {
      this.#log.retries.push([this.#id(i), at, ceiling, retryAfter, delay]);
    }
    return delay;
  }

  #id(i: number): number {
    return this.#firstId + i;
  }

  /**
   * What was seen and done so far.
   *
   * @returns The log.
   */
  report(): ClusterLogReport {
    return this.#log;
  }
}

/**
 * A cluster log with nothing in it yet.
 *
 * @returns Empty lists.
 *
 * @example
 * ```ts
 * import { emptyClusterLog } from "./_load_cluster.ts";
 * console.log(emptyClusterLog().receipts.length); // 0
 * ```
 */
export function emptyClusterLog(): ClusterLogReport {
  return {
    receipts: [],
    losses: [],
    attempts: [],
    hellos: [],
    welcomes: [],
    refusals: [],
    retries: [],
  };
}
