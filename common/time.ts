/**
 * Time as the server, the client and the liveness policies see it: one
 * {@link Clock} shape, one {@link Timers} shape, both injectable so that
 * timing logic is tested exactly.
 *
 * @module
 */

/** A source of the current time in milliseconds. */
export interface Clock {
  /**
   * The current time.
   *
   * @returns Milliseconds; only differences matter, so any monotonic base works.
   */
  now(): number;
}

/** The timer functions a component uses, injectable for tests. */
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
   * Cancels a timer set with `setTimeout`; an unknown id is ignored.
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
 * import { monotonicClock } from "@lifeline/lifeline";
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
 * import { globalTimers } from "@lifeline/lifeline";
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

/**
 * Makes a clock that follows monotonic time (so setting the wall clock back
 * never freezes a liveness check) and adopts every forward jump of the wall
 * clock (so a laptop that slept, during which monotonic time stops on
 * Linux, sees on waking how long it was away). It never goes backwards.
 *
 * @param wall The wall clock in milliseconds.
 * @param monotonic A monotonic clock in milliseconds.
 * @returns The clock, in milliseconds on the wall clock's scale.
 *
 * @example A wall clock that jumps ahead by an hour, as after sleep
 * ```ts
 * import { sleepAwareClock } from "@lifeline/lifeline";
 * let wall = 1_000_000;
 * let mono = 0;
 * const clock = sleepAwareClock(() => wall, () => mono);
 * mono = 10;
 * wall += 3_600_000; // slept: the wall clock moved, monotonic time did not
 * console.log(clock.now() - 1_000_000); // 3600000
 * ```
 */
export function sleepAwareClock(
  wall: () => number = Date.now,
  monotonic: () => number = () => performance.now(),
): Clock {
  let base = wall() - monotonic();
  return {
    now(): number {
      const mono = monotonic();
      const behind = wall() - (base + mono);
      if (behind > 0) base += behind;
      return base + mono;
    },
  };
}
