/**
 * The drain: closes a server's connections over a period instead of all at
 * once (NATS's lame-duck mode, gRPC's jittered GOAWAY). Each connection
 * gets a close time, stratified over the period, and the closes go out in
 * batches; each client is told to come back at a time of its own, spread
 * over a window that opens after the drain ends, so neither the closes nor
 * the reconnects arrive together.
 *
 * @module
 */

import type { Clock, Timers } from "../common/time.ts";
import { spreadRetryAfter } from "../liveness/retry_after.ts";

/** Options for {@link Drain}. */
export interface DrainOptions<S> {
  /** The connections to close. */
  sessions: readonly S[];
  /** The period to spread the closes over, in milliseconds. */
  durationMs: number;
  /** The earliest reconnect, after the end of the period, in milliseconds. */
  retryAfterMin: number;
  /** The width of the reconnect window, in milliseconds. */
  retryAfterSpread: number;
  /** The clock. */
  clock: Clock;
  /** The timers. */
  timers: Timers;
  /** Uniform random numbers in [0, 1). */
  random: () => number;
  /**
   * Closes one connection, telling it to come back in `retryAfterMs`.
   *
   * @param session The connection.
   * @param retryAfterMs Its `retryAfter` hint.
   */
  close(session: S, retryAfterMs: number): void;
}

/**
 * The time between two batches for a drain period: a hundredth of it,
 * between 10 ms and one second.
 *
 * @param durationMs The drain period, in milliseconds.
 * @returns The batch period, in milliseconds.
 */
export function drainBatchMs(durationMs: number): number {
  return Math.min(1000, Math.max(10, Math.round(durationMs / 100)));
}

/** One drain in progress. */
export class Drain<S> {
  readonly #options: DrainOptions<S>;
  readonly #startMs: number;
  readonly #batchMs: number;
  // Indices into sessions, in close order, with their close and reconnect
  // times (milliseconds after the start).
  readonly #order: number[];
  readonly #closeAt: number[];
  readonly #comeBackAt: number[];
  #next = 0;
  #timer: unknown = undefined;

  /**
   * Plans the closes and sends the first batch's timer on its way.
   *
   * @param options The connections, the period, the window, clock, timers,
   * randomness and the close.
   */
  constructor(options: DrainOptions<S>) {
    this.#options = options;
    const n = options.sessions.length;
    this.#startMs = options.clock.now();
    this.#batchMs = drainBatchMs(options.durationMs);
    this.#closeAt = spreadRetryAfter(n, {
      minMs: 0,
      spreadMs: options.durationMs,
      random: options.random,
    });
    this.#comeBackAt = spreadRetryAfter(n, {
      minMs: options.durationMs + options.retryAfterMin,
      spreadMs: options.retryAfterSpread,
      random: options.random,
    });
    this.#order = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => this.#closeAt[a] - this.#closeAt[b]);
    this.#batch();
  }

  /** Whether every connection has been told. */
  get finished(): boolean {
    return this.#next >= this.#order.length;
  }

  /** Closes every connection not closed yet, now (each keeps its reconnect time). */
  hurry(): void {
    this.#closeUpTo(Infinity);
    this.stop();
  }

  /** Stops the batches (the connections left are not closed). */
  stop(): void {
    if (this.#timer !== undefined) {
      this.#options.timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #batch(): void {
    this.#timer = undefined;
    const elapsed = this.#options.clock.now() - this.#startMs;
    this.#closeUpTo(elapsed);
    if (this.finished) return;
    const due = this.#closeAt[this.#order[this.#next]];
    const nextBatch = Math.ceil(due / this.#batchMs) * this.#batchMs;
    this.#timer = this.#options.timers.setTimeout(
      () => this.#batch(),
      Math.max(1, nextBatch - elapsed),
    );
  }

  #closeUpTo(elapsed: number): void {
    const options = this.#options;
    const order = this.#order;
    const now = options.clock.now() - this.#startMs;
    while (this.#next < order.length) {
      const i = order[this.#next];
      if (this.#closeAt[i] > elapsed) break;
      this.#next++;
      const retryAfter = Math.max(0, Math.round(this.#comeBackAt[i] - now));
      options.close(options.sessions[i], retryAfter);
    }
  }
}
