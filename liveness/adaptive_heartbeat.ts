/**
 * The adaptive heartbeat interval, after Tencent Mars' "smart heartbeat"
 * (`mars/stn/src/smart_heartbeat.cc`): start at a safe interval, lengthen it
 * while pongs keep arriving, step back and settle when heartbeats are lost,
 * start over when the settled interval fails too. It finds, per network
 * path, the longest interval that still keeps a NAT mapping alive.
 *
 * @module
 */

import { type Clock, monotonicClock } from "../common/time.ts";
import { integerAtLeast, positive } from "../common/validate.ts";

/** The constants of the adaptive interval, all in milliseconds or counts. */
export interface AdaptiveOptions {
  /**
   * The interval to start (and start over) at, in milliseconds.
   * @default {210000}
   */
  min?: number;
  /**
   * The longest interval, in milliseconds.
   * @default {600000}
   */
  max?: number;
  /**
   * How much the interval grows after enough successes, in milliseconds.
   * @default {60000}
   */
  step?: number;
  /**
   * Successes in a row that earn one step.
   * @default {5}
   */
  successesToStep?: number;
  /**
   * How much the interval shrinks when it fails, in milliseconds.
   * @default {80000}
   */
  backoff?: number;
  /**
   * Failures in a row that make the interval back off (or, once settled,
   * start over at `min`).
   * @default {2}
   */
  failuresToBackOff?: number;
}

/** Options for {@link AdaptiveHeartbeat}: the constants plus a clock. */
export interface AdaptiveHeartbeatOptions extends AdaptiveOptions {
  /**
   * How long a pong may take, in milliseconds, to count as a success; an
   * outstanding ping older than this is a failure.
   * @default {15000}
   */
  pongTimeout?: number;
  /**
   * The clock, in milliseconds.
   * @default {monotonicClock}
   */
  clock?: Clock;
}

/** What one heartbeat result did to the interval. */
export type AdaptiveChange = "none" | "step_up" | "back_off" | "start_over";

/** The state of the adaptive interval after a result. */
export interface AdaptiveStep {
  /** The result that was recorded. */
  result: "success" | "failure" | "reset";
  /** What it did to the interval. */
  change: AdaptiveChange;
  /** The interval now in force, in milliseconds (capped by the ceiling). */
  interval: number;
  /** Whether the interval has settled after a back-off. */
  settled: boolean;
  /** Successes in a row so far. */
  successes: number;
  /** Failures in a row so far. */
  failures: number;
}

/**
 * A pure state machine for the adaptive heartbeat interval. It does no I/O
 * and sets no timers: the caller reports pings sent, pongs received and
 * connections lost, and reads {@link AdaptiveHeartbeat.interval}.
 *
 * A **success** is a pong that arrives within `pongTimeout` of its ping. A
 * **failure** is a ping whose pong did not arrive within `pongTimeout`, or a
 * connection lost while a ping was outstanding (a NAT that forgot the
 * mapping drops the ping or answers it with a reset). The rules:
 *
 * - start at `min`, not settled;
 * - after `successesToStep` successes in a row, not settled: `+step`, up to
 *   `max` (or the ceiling, if lower);
 * - after `failuresToBackOff` failures in a row, not settled: `-backoff`
 *   (not below `min`) and settle; a settled interval no longer grows;
 * - after `failuresToBackOff` failures in a row, settled: start over at
 *   `min`, not settled;
 * - {@link AdaptiveHeartbeat.reset} starts over.
 *
 * @example Grow after five successes, back off after two failures
 * ```ts
 * import { AdaptiveHeartbeat } from "@lifeline/lifeline/liveness";
 * const adaptive = new AdaptiveHeartbeat({ min: 2000, max: 20000, step: 1000, backoff: 1500 });
 * for (let i = 0; i < 5; i++) adaptive.success();
 * console.log(adaptive.interval); // 3000
 * adaptive.failure();
 * const step = adaptive.failure();
 * console.log(step.change, step.interval, step.settled); // back_off 2000 true
 * ```
 */
export class AdaptiveHeartbeat {
  #min: number;
  #max: number;
  #step: number;
  #successesToStep: number;
  #backoff: number;
  #failuresToBackOff: number;
  #pongTimeout: number;
  #clock: Clock;
  #current: number;
  #ceiling = Infinity;
  #settled = false;
  #successes = 0;
  #failures = 0;
  #pingSentAt: number | undefined;
  #lastPingAt: number | undefined;

  /**
   * Creates the state machine at its minimum interval.
   *
   * @param options The constants, the pong timeout and the clock.
   */
  constructor(options: AdaptiveHeartbeatOptions = {}) {
    this.#min = positive("adaptive min", options.min ?? 210_000);
    this.#max = positive("adaptive max", options.max ?? 600_000);
    if (this.#max < this.#min) {
      throw new RangeError(
        `Cannot use adaptive max "${this.#max}": expected at least min "${this.#min}"`,
      );
    }
    this.#step = positive("adaptive step", options.step ?? 60_000);
    this.#backoff = positive("adaptive backoff", options.backoff ?? 80_000);
    this.#successesToStep = integerAtLeast(
      "adaptive successesToStep",
      options.successesToStep ?? 5,
      1,
    );
    this.#failuresToBackOff = integerAtLeast(
      "adaptive failuresToBackOff",
      options.failuresToBackOff ?? 2,
      1,
    );
    this.#pongTimeout = positive(
      "adaptive pongTimeout",
      options.pongTimeout ?? 15_000,
    );
    this.#clock = options.clock ?? monotonicClock;
    this.#current = this.#min;
  }

  /** The interval in force, in milliseconds: never above the ceiling. */
  get interval(): number {
    return Math.max(1, Math.min(this.#current, this.#ceiling));
  }

  /** Whether the interval has settled after a back-off. */
  get settled(): boolean {
    return this.#settled;
  }

  /** How long a pong may take to count as a success, in milliseconds. */
  get pongTimeout(): number {
    return this.#pongTimeout;
  }

  /**
   * Sets how long a pong may take to count as a success.
   *
   * @param ms The timeout in milliseconds.
   */
  set pongTimeout(ms: number) {
    this.#pongTimeout = positive("adaptive pongTimeout", ms);
  }

  /** Whether a ping is waiting for its pong. */
  get outstanding(): boolean {
    return this.#pingSentAt !== undefined;
  }

  /** The current state, as {@link AdaptiveStep} with `result: "reset"` left out. */
  get state(): Omit<AdaptiveStep, "result" | "change"> {
    return {
      interval: this.interval,
      settled: this.#settled,
      successes: this.#successes,
      failures: this.#failures,
    };
  }

  /**
   * Sets or clears an upper bound on the interval, for example the longest
   * interval the server tolerates before it sweeps the client.
   *
   * @param ceiling The bound in milliseconds, or `Infinity` for none.
   */
  setCeiling(ceiling: number): void {
    this.#ceiling = ceiling > 0 ? ceiling : Infinity;
  }

  /**
   * When the next ping is due: the last ping's time plus the interval, or
   * `now` when no ping was sent since the last reset.
   *
   * @returns The time in milliseconds, on the injected clock.
   */
  nextPingAt(): number {
    return this.#lastPingAt === undefined
      ? this.#clock.now()
      : this.#lastPingAt + this.interval;
  }

  /**
   * Records a ping sent now. An outstanding ping that timed out first
   * counts as a failure.
   *
   * @returns The step recorded for a timed-out earlier ping, if any.
   */
  pingSent(): AdaptiveStep | undefined {
    const expired = this.check();
    const now = this.#clock.now();
    this.#pingSentAt ??= now;
    this.#lastPingAt = now;
    return expired;
  }

  /**
   * Records that a pong arrived now: a success if it came within
   * `pongTimeout` of the oldest outstanding ping, a failure if later.
   *
   * @returns The step, or `undefined` when no ping was outstanding.
   */
  pongReceived(): AdaptiveStep | undefined {
    if (this.#pingSentAt === undefined) return undefined;
    const late = this.#clock.now() - this.#pingSentAt > this.#pongTimeout;
    this.#pingSentAt = undefined;
    return late ? this.failure() : this.success();
  }

  /**
   * Counts a failure if the outstanding ping has waited longer than
   * `pongTimeout`. Call it on every tick.
   *
   * @returns The step, or `undefined` when nothing expired.
   */
  check(): AdaptiveStep | undefined {
    if (this.#pingSentAt === undefined) return undefined;
    if (this.#clock.now() - this.#pingSentAt <= this.#pongTimeout) {
      return undefined;
    }
    this.#pingSentAt = undefined;
    return this.failure();
  }

  /**
   * Records that the connection was lost. With a ping outstanding, that is
   * a failure and the learned state is kept for the next connection;
   * otherwise the machine starts over (see {@link AdaptiveHeartbeat.reset}).
   *
   * @returns The step recorded.
   */
  connectionLost(): AdaptiveStep {
    this.#lastPingAt = undefined;
    if (this.#pingSentAt === undefined) return this.reset();
    this.#pingSentAt = undefined;
    return this.failure();
  }

  /**
   * Records one success.
   *
   * @returns The step.
   */
  success(): AdaptiveStep {
    this.#failures = 0;
    this.#successes++;
    let change: AdaptiveChange = "none";
    if (!this.#settled && this.#successes >= this.#successesToStep) {
      this.#successes = 0;
      const top = Math.min(this.#max, this.#ceiling);
      const next = Math.min(top, this.#current + this.#step);
      if (next > this.#current) {
        this.#current = next;
        change = "step_up";
      }
    }
    return this.#report("success", change);
  }

  /**
   * Records one failure.
   *
   * @returns The step.
   */
  failure(): AdaptiveStep {
    this.#successes = 0;
    this.#failures++;
    let change: AdaptiveChange = "none";
    if (this.#failures >= this.#failuresToBackOff) {
      this.#failures = 0;
      if (this.#settled) {
        this.#current = this.#min;
        this.#settled = false;
        change = "start_over";
      } else {
        this.#current = Math.max(
          this.#min,
          Math.min(this.#current, this.#ceiling) - this.#backoff,
        );
        this.#settled = true;
        change = "back_off";
      }
    }
    return this.#report("failure", change);
  }

  /**
   * Starts over at `min`, not settled, with no outstanding ping.
   *
   * @returns The step.
   */
  reset(): AdaptiveStep {
    const change: AdaptiveChange = this.#current !== this.#min || this.#settled
      ? "start_over"
      : "none";
    this.#current = this.#min;
    this.#settled = false;
    this.#successes = 0;
    this.#failures = 0;
    this.#pingSentAt = undefined;
    this.#lastPingAt = undefined;
    return this.#report("reset", change);
  }

  #report(
    result: AdaptiveStep["result"],
    change: AdaptiveChange,
  ): AdaptiveStep {
    return { result, change, ...this.state };
  }
}
