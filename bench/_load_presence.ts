/**
 * A load worker's presence bookkeeping: the watch list of each of its
 * clients (the `watch` frame it sends), every `presence` frame they receive
 * (checked against their lists at once; kept, with its arrival time, while
 * measuring), the kills it carried out, and each client's longest silence
 * between two frames it sent while measuring, which for a frozen client is
 * its freeze. Times are milliseconds on the machine's wall clock
 * ({@link wallNow}), the one clock every process of the load shares.
 *
 * @module
 */

import { watchList } from "./_presence_plan.ts";
import type {
  PresenceReceipt,
  WorkerPresence,
  WorkerPresenceReport,
} from "./_load_types.ts";

/**
 * Now, in milliseconds since the Unix epoch, with sub-millisecond
 * resolution: `performance.timeOrigin + performance.now()`. Every process
 * on the machine reads the same clock this way, so times taken in two
 * workers (an event in one, its receipt in another) can be subtracted.
 *
 * @returns Milliseconds.
 *
 * @example
 * ```ts
 * import { wallNow } from "./_load_presence.ts";
 * console.log(Math.abs(wallNow() - Date.now()) < 5); // true
 * ```
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

const PRESENCE_PREFIX = '{"type":"presence"';
const MAX_EXAMPLES = 5;

/**
 * Whether a line is a `presence` frame.
 *
 * @param text The text holding the line.
 * @param start Where the line starts.
 * @returns `true` for a `presence` frame.
 *
 * @example
 * ```ts
 * import { isPresenceLine } from "./_load_presence.ts";
 * console.log(isPresenceLine('{"type":"presence","name":"a","state":"online"}', 0)); // true
 * ```
 */
export function isPresenceLine(text: string, start: number): boolean {
  return text.startsWith(PRESENCE_PREFIX, start);
}

/** The presence side of one load worker's clients. */
export class PresenceBook {
  readonly #config: WorkerPresence;
  readonly #firstId: number;
  readonly #prefix: string;
  readonly #k: number;
  // Client i watches #lists[i * k .. i * k + k - 1] (client numbers).
  readonly #lists: Int32Array;
  // Frames received for each watch entry before measuring (the snapshot
  // and the changes during the ramp).
  readonly #before: Uint8Array;
  readonly #tracked: Uint8Array;
  readonly #lastSent: Float64Array;
  readonly #gapFrom: Float64Array;
  readonly #gapTo: Float64Array;
  #receipts: PresenceReceipt[] = [];
  #kills: [number, number][] = [];
  #unwatched = 0;
  #examples: string[] = [];
  #healthyMaxGapMs = 0;

  /**
   * Draws the watch lists of a worker's clients.
   *
   * @param config The worker's part of the plan.
   * @param clients This worker's clients: the first one's number, how
   * many, and the prefix of their names.
   */
  constructor(
    config: WorkerPresence,
    clients: { firstId: number; count: number; namePrefix: string },
  ) {
    this.#config = config;
    this.#firstId = clients.firstId;
    this.#prefix = clients.namePrefix;
    const n = clients.count;
    const k = this.#k = config.watch;
    this.#lists = new Int32Array(n * k);
    for (let i = 0; i < n && k > 0; i++) {
      this.#lists.set(watchList(clients.firstId + i, config), i * k);
    }
    this.#before = new Uint8Array(n * k);
    this.#tracked = new Uint8Array(n);
    for (const i of config.tracked) this.#tracked[i] = 1;
    this.#lastSent = new Float64Array(n);
    this.#gapFrom = new Float64Array(n);
    this.#gapTo = new Float64Array(n);
  }

  /**
   * The `watch` frame client `i` sends after `welcome`, or `null` when it
   * watches nothing.
   *
   * @param i The client's index in the worker.
   * @returns The frame with its newline, or `null`.
   */
  watchFrame(i: number): string | null {
    const k = this.#k;
    if (k === 0) return null;
    const names: string[] = [];
    for (let j = 0; j < k; j++) {
      names.push(`${this.#prefix}${this.#lists[i * k + j]}`);
    }
    return `${JSON.stringify({ type: "watch", names })}\n`;
  }

  /**
   * Client `i` sent a frame.
   *
   * @param i The client's index in the worker.
   * @param at When, on the wall clock.
   * @param measuring Whether the window is being measured.
   */
  sent(i: number, at: number, measuring: boolean): void {
    const last = this.#lastSent[i];
    this.#lastSent[i] = at;
    if (!measuring || last === 0) return;
    const gap = at - last;
    if (this.#tracked[i] === 1) {
      if (gap > this.#gapTo[i] - this.#gapFrom[i]) {
        this.#gapFrom[i] = last;
        this.#gapTo[i] = at;
      }
    } else if (gap > this.#healthyMaxGapMs) {
      this.#healthyMaxGapMs = gap;
    }
  }

  /**
   * Client `i` was killed (its socket closed without `bye`).
   *
   * @param i The client's index in the worker.
   * @param at When, on the wall clock.
   */
  killed(i: number, at: number): void {
    this.#kills.push([this.#firstId + i, at]);
  }

  /**
   * Client `i` received a `presence` frame: checked against its watch list
   * at once, and kept while measuring.
   *
   * @param i The client's index in the worker.
   * @param line The frame.
   * @param at When it arrived, on the wall clock.
   * @param measuring Whether the window is being measured.
   */
  received(i: number, line: string, at: number, measuring: boolean): void {
    let frame: { name?: unknown; state?: unknown; reason?: unknown };
    try {
      frame = JSON.parse(line);
    } catch {
      this.#unwatchedFrame(i, line);
      return;
    }
    const name = typeof frame.name === "string" ? frame.name : "";
    const id = name.startsWith(this.#prefix)
      ? Number(name.slice(this.#prefix.length))
      : NaN;
    const k = this.#k;
    let entry = -1;
    for (let j = 0; j < k; j++) {
      if (this.#lists[i * k + j] === id) {
        entry = i * k + j;
        break;
      }
    }
    if (entry === -1) {
      this.#unwatchedFrame(i, line);
      return;
    }
    if (!measuring) {
      if (this.#before[entry] < 255) this.#before[entry]++;
      return;
    }
    const state = `${frame.state}${
      typeof frame.reason === "string" ? `:${frame.reason}` : ""
    }`;
    this.#receipts.push([this.#firstId + i, id, state, at]);
  }

  #unwatchedFrame(i: number, line: string): void {
    this.#unwatched++;
    if (this.#examples.length < MAX_EXAMPLES) {
      this.#examples.push(`${this.#prefix}${this.#firstId + i} got ${line}`);
    }
  }

  /**
   * What the worker reports.
   *
   * @param ready Whether each client is connected and past `welcome`.
   * @returns The report.
   */
  report(ready: (i: number) => boolean): WorkerPresenceReport {
    const k = this.#k;
    let snapshotMissing = 0;
    for (let i = 0; i < this.#tracked.length; i++) {
      if (!ready(i)) continue;
      for (let j = 0; j < k; j++) {
        if (this.#before[i * k + j] === 0) snapshotMissing++;
      }
    }
    const gaps: [number, number, number][] = [];
    for (const i of this.#config.tracked) {
      if (this.#gapTo[i] > 0) {
        gaps.push([this.#firstId + i, this.#gapFrom[i], this.#gapTo[i]]);
      }
    }
    return {
      receipts: this.#receipts,
      kills: this.#kills,
      gaps,
      unwatched: this.#unwatched,
      examples: this.#examples,
      snapshotMissing,
      healthyMaxGapMs: this.#healthyMaxGapMs,
    };
  }

  /** Forgets what was received and done, at the start of the window. */
  reset(): void {
    this.#receipts = [];
    this.#kills = [];
    this.#healthyMaxGapMs = 0;
    this.#gapFrom.fill(0);
    this.#gapTo.fill(0);
  }
}
