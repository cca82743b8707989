/**
 * Reconnect delays: capped exponential backoff with full jitter, a jittered
 * first attempt, a floor from the server's `retryAfter`, and a reset once a
 * connection has stayed healthy for a while.
 *
 * @module
 */

import { positive } from "../common/validate.ts";

/** Options for {@link Backoff}. */
export interface BackoffOptions {
  /**
   * The ceiling of the first delay, in milliseconds. The first reconnect
   * waits a random time in `[0, initialDelay)`, so clients that lost the
   * same server at the same moment do not all come back at once.
   * @default {500}
   */
  initialDelay?: number;
  /**
   * The cap, in milliseconds: no delay's ceiling grows beyond it.
   * @default {30000}
   */
  maxDelay?: number;
  /**
   * How much the ceiling grows per attempt.
   * @default {2}
   */
  factor?: number;
  /**
   * How long a connection must stay up, in milliseconds, for the attempt
   * count to start over when it ends.
   * @default {30000}
   */
  resetAfter?: number;
  /**
   * The source of randomness, returning a number in `[0, 1)`.
   * @default {Math.random}
   */
  random?: () => number;
}

/**
 * Capped exponential backoff with full jitter (AWS's "Exponential Backoff
 * And Jitter"). Attempt `n` (from 0) waits a random time in
 * `[0, min(maxDelay, initialDelay × factor^n))`: the jitter is applied after
 * the cap, so even clients that reached the cap keep spreading out. A
 * `retryAfter` from the server is a floor on the delay. The attempt count
 * starts over when a connection that lasted at least `resetAfter` ends.
 *
 * @example Delays grow, stay jittered and are capped
 * ```ts
 * import { Backoff } from "@lifeline/lifeline/liveness";
 * const backoff = new Backoff({ initialDelay: 100, maxDelay: 1000, random: () => 0.5 });
 * console.log([1, 2, 3, 4, 5].map(() => backoff.next())); // [ 50, 100, 200, 400, 500 ]
 * console.log(backoff.next({ retryAfter: 2000 })); // 2000
 * ```
 */
export class Backoff {
  #initialDelay: number;
  #maxDelay: number;
  #factor: number;
  #resetAfter: number;
  #random: () => number;
  #attempt = 0;
  #connectedAt: number | undefined;

  /**
   * Creates a backoff policy.
   *
   * @param options Delays, growth factor, reset period and randomness.
   */
  constructor(options: BackoffOptions = {}) {
    this.#initialDelay = positive(
      "initialDelay",
      options.initialDelay ?? 500,
    );
    this.#maxDelay = positive("maxDelay", options.maxDelay ?? 30_000);
    this.#factor = options.factor ?? 2;
    if (!(this.#factor >= 1)) {
      throw new RangeError(
        `Cannot use backoff factor "${this.#factor}": expected a number of at least 1`,
      );
    }
    this.#resetAfter = positive(
      "resetAfter",
      options.resetAfter ?? 30_000,
    );
    this.#random = options.random ?? Math.random;
  }

  /**
   * How many delays were handed out since the last reset: the number of the
   * attempt the last delay was for. The client reports its reconnect
   * attempts with it, so that one counter with one reset rule (a
   * connection that lasted `resetAfter`) both numbers the attempts and
   * grows the delays.
   */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The ceiling of the next delay: `min(maxDelay, initialDelay × factor^attempt)`.
   *
   * @returns The ceiling in milliseconds.
   */
  ceiling(): number {
    return Math.min(
      this.#maxDelay,
      this.#initialDelay * this.#factor ** this.#attempt,
    );
  }

  /**
   * Gives the delay before the next attempt and counts the attempt.
   *
   * @param options `retryAfter`: the server's hint in milliseconds, a floor.
   * @returns The delay in whole milliseconds.
   */
  next(options: { retryAfter?: number } = {}): number {
    const jittered = Math.floor(this.#random() * this.ceiling());
    this.#attempt++;
    return Math.max(options.retryAfter ?? 0, jittered);
  }

  /**
   * A delay from the first attempt's range, `[0, min(initialDelay,
   * ceiling))`, without counting an attempt: for a wait cut short by a sign
   * that the network is back (a page shown again, a network online), which
   * keeps the jitter that spreads clients out but not the long wait.
   *
   * @returns The delay in whole milliseconds.
   *
   * @example
   * ```ts
   * import { Backoff } from "@lifeline/lifeline/liveness";
   * const backoff = new Backoff({ initialDelay: 100, maxDelay: 10_000, random: () => 0.5 });
   * for (let i = 0; i < 6; i++) backoff.next();
   * console.log(backoff.ceiling(), backoff.soon(), backoff.attempt); // 6400 50 6
   * ```
   */
  soon(): number {
    return Math.floor(
      this.#random() * Math.min(this.#initialDelay, this.ceiling()),
    );
  }

  /**
   * Records that a connection became healthy (for a client: `welcome`
   * arrived) at time `now`.
   *
   * @param now The current time in milliseconds.
   */
  connected(now: number): void {
    this.#connectedAt = now;
  }

  /**
   * Records that the connection ended at time `now`. If it had been up for
   * at least `resetAfter`, the attempt count starts over.
   *
   * @param now The current time in milliseconds.
   * @returns `true` when the count was reset.
   */
  disconnected(now: number): boolean {
    const since = this.#connectedAt;
    this.#connectedAt = undefined;
    if (since !== undefined && now - since >= this.#resetAfter) {
      this.#attempt = 0;
      return true;
    }
    return false;
  }

  /** Starts the attempt count over. */
  reset(): void {
    this.#attempt = 0;
  }
}
