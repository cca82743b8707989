/**
 * The heartbeat registry: every tracked connection has a deadline, pushed
 * forward by `touch()`; one shared ticker sweeps the timing wheel and hands
 * the connections past their deadline to a callback. The cost of a tick
 * follows the number of connections that expire, not the number tracked.
 *
 * @module
 */

import { TimingWheel, type WheelEntry } from "./timing_wheel.ts";

/** A source of the current time in milliseconds. */
export interface Clock {
  /**
   * The current time.
   *
   * @returns Milliseconds; only differences matter, so any monotonic base works.
   */
  now(): number;
}

/** The timer functions the registry's ticker uses. */
export interface Timers {
  /**
   * Calls `callback` once after `delayMs`.
   *
   * @param callback What to call.
   * @param delayMs The delay in milliseconds.
   * @returns An id for `clearTimeout`.
   */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /**
   * Cancels a timer set with `setTimeout`.
   *
   * @param id What `setTimeout` returned.
   */
  clearTimeout(id: unknown): void;
}

/**
 * A monotonic clock in epoch milliseconds: `performance.timeOrigin +
 * performance.now()`. It does not jump when the wall clock is set.
 *
 * @example Read it
 * ```ts
 * import { monotonicClock } from "@lifeline/lifeline/server";
 * const a = monotonicClock.now();
 * console.log(monotonicClock.now() >= a); // true
 * ```
 */
export const monotonicClock: Clock = {
  now(): number {
    return performance.timeOrigin + performance.now();
  },
};

/**
 * The global `setTimeout` and `clearTimeout`, the default {@link Timers}.
 *
 * @example Set and cancel a timer
 * ```ts
 * import { globalTimers } from "@lifeline/lifeline/server";
 * const id = globalTimers.setTimeout(() => console.log("never"), 1000);
 * globalTimers.clearTimeout(id);
 * ```
 */
export const globalTimers: Timers = {
  setTimeout(callback: () => void, delayMs: number): unknown {
    return setTimeout(callback, delayMs);
  },
  clearTimeout(id: unknown): void {
    clearTimeout(id as number);
  },
};

/** Options for {@link HeartbeatRegistry}. */
export interface HeartbeatRegistryOptions<E> {
  /** Silence, in milliseconds, after which an entry expires. */
  timeoutMs: number;
  /**
   * The sweep period, in milliseconds. An entry expires at the first tick
   * boundary at or after its deadline, so within `timeoutMs + tickMs` of the
   * last touch (plus however late the timer fires).
   */
  tickMs: number;
  /**
   * Called once for each expired entry, which is no longer tracked by then.
   *
   * @param entry The entry.
   * @param nowMs The sweep's time.
   */
  onExpire(entry: E, nowMs: number): void;
  /**
   * The clock.
   * @default {monotonicClock}
   */
  clock?: Clock;
  /**
   * The timers of the ticker started by `start()`.
   * @default {globalTimers}
   */
  timers?: Timers;
}

/**
 * Tracks deadlines of connections on a hashed timing wheel of
 * `ceil(timeoutMs / tickMs) + 2` one-tick slots. `add()` and `touch()` set
 * an entry's deadline to now + `timeoutMs` in O(1) without allocating (and
 * without moving it at all while the deadline stays within the same tick);
 * `sweep()` visits only the slots that came due since the last sweep.
 *
 * @typeParam E The entry type (a {@link WheelEntry}).
 *
 * @example Expire a silent entry with an injected clock
 * ```ts
 * import { HeartbeatRegistry, WheelEntry } from "@lifeline/lifeline/server";
 * let now = 0;
 * const expired: WheelEntry[] = [];
 * const registry = new HeartbeatRegistry<WheelEntry>({
 *   timeoutMs: 1000,
 *   tickMs: 100,
 *   clock: { now: () => now },
 *   onExpire: (entry) => expired.push(entry),
 * });
 * const quiet = new WheelEntry();
 * const chatty = new WheelEntry();
 * registry.add(quiet);
 * registry.add(chatty);
 * now = 900;
 * registry.touch(chatty);
 * now = 1000;
 * registry.sweep();
 * console.log(expired.length === 1 && expired[0] === quiet); // true
 * ```
 */
export class HeartbeatRegistry<E extends WheelEntry> {
  #wheel: TimingWheel<E>;
  #timeoutMs: number;
  #tickMs: number;
  #clock: Clock;
  #timers: Timers;
  #onExpire: (entry: E, nowMs: number) => void;
  #timer: unknown = undefined;
  #running = false;
  #sweepNow = 0;
  #expire: (entry: E) => void;
  #tick: () => void;

  /**
   * Creates an empty registry. Call {@link start} to sweep on a timer, or
   * call {@link sweep} yourself.
   *
   * @param options The timeout, the tick, the callback, the clock and timers.
   */
  constructor(options: HeartbeatRegistryOptions<E>) {
    const { timeoutMs, tickMs } = options;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(
        `Cannot use timeoutMs ${timeoutMs}: expected a positive number`,
      );
    }
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) {
      throw new RangeError(
        `Cannot use tickMs ${tickMs}: expected a positive number`,
      );
    }
    this.#timeoutMs = timeoutMs;
    this.#tickMs = tickMs;
    this.#clock = options.clock ?? monotonicClock;
    this.#timers = options.timers ?? globalTimers;
    this.#onExpire = options.onExpire;
    this.#wheel = new TimingWheel<E>({
      tickMs,
      horizonMs: timeoutMs,
      startMs: this.#clock.now(),
    });
    this.#expire = (entry) => this.#onExpire(entry, this.#sweepNow);
    this.#tick = () => {
      this.#timer = undefined;
      if (!this.#running) return;
      this.sweep();
      this.#arm();
    };
  }

  /** The number of tracked entries. */
  get size(): number {
    return this.#wheel.size;
  }

  /** The timeout, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** The tick, in milliseconds. */
  get tickMs(): number {
    return this.#tickMs;
  }

  /** The number of slots in the wheel. */
  get slotCount(): number {
    return this.#wheel.slotCount;
  }

  /**
   * How many entries the last sweep looked at (expired or not): the
   * instrument behind the claim that a tick costs what expires.
   */
  get lastSweepVisited(): number {
    return this.#wheel.lastSweepVisited;
  }

  /** Whether the ticker runs. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Starts tracking an entry with a deadline of now + timeout.
   *
   * @param entry The entry.
   * @returns The time used, in milliseconds.
   */
  add(entry: E): number {
    return this.touch(entry);
  }

  /**
   * Pushes an entry's deadline to now + timeout (starts tracking it if it
   * was not tracked).
   *
   * @param entry The entry.
   * @returns The time used, in milliseconds.
   */
  touch(entry: E): number {
    const now = this.#clock.now();
    this.#wheel.schedule(entry, now + this.#timeoutMs);
    return now;
  }

  /**
   * Sets an entry's deadline to an explicit time, for example a short grace
   * period for a connection being closed.
   *
   * @param entry The entry.
   * @param deadlineMs The deadline, in milliseconds on the registry's clock.
   */
  setDeadline(entry: E, deadlineMs: number): void {
    this.#wheel.schedule(entry, deadlineMs);
  }

  /**
   * Stops tracking an entry.
   *
   * @param entry The entry.
   */
  remove(entry: E): void {
    this.#wheel.remove(entry);
  }

  /**
   * Tells whether an entry is tracked.
   *
   * @param entry The entry.
   * @returns `true` when tracked.
   */
  has(entry: E): boolean {
    return this.#wheel.has(entry);
  }

  /**
   * Expires the entries past their deadline, calling `onExpire` for each.
   *
   * @param nowMs The time of the sweep.
   * @returns The number expired.
   */
  sweep(nowMs: number = this.#clock.now()): number {
    this.#sweepNow = nowMs;
    return this.#wheel.sweep(nowMs, this.#expire);
  }

  /**
   * Starts the shared ticker: one timer for all entries, fired on tick
   * boundaries of the clock so a deadline is acted on at most one tick late.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  /** Stops the ticker. Entries stay tracked. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(): void {
    const now = this.#clock.now();
    const next = (Math.floor(now / this.#tickMs) + 1) * this.#tickMs;
    this.#timer = this.#timers.setTimeout(
      this.#tick,
      Math.max(1, Math.ceil(next - now)),
    );
  }
}
