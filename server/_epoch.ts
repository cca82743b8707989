/**
 * Session times as small integers: whole milliseconds since an epoch that
 * moves forward once in about 12 days, so that every session's times stay
 * below 2^30 and V8 keeps them inside the session object instead of as a
 * boxed number of their own per field and connection.
 *
 * @module
 */

import type { Clock } from "../common/time.ts";

/**
 * Session times are moved to a later epoch once they reach this many
 * milliseconds (about 12 days), so they stay below 2^31, V8's limit for a
 * small integer on this platform.
 */
export const SESSION_REBASE_MS = 2 ** 30;

/** The server's epoch, on its clock. */
export class SessionEpoch {
  /** The epoch, in milliseconds on the clock. */
  epochMs: number;
  #rebase: (shiftMs: number) => void;

  /**
   * Starts the epoch at the clock's current time.
   *
   * @param clock The server's clock.
   * @param rebase Moves every session's times to an epoch `shiftMs` later.
   */
  constructor(clock: Clock, rebase: (shiftMs: number) => void) {
    this.epochMs = Math.floor(clock.now());
    this.#rebase = rebase;
  }

  /**
   * A time on the clock as whole milliseconds since the epoch. Once that
   * reaches {@link SESSION_REBASE_MS}, the epoch moves forward and every
   * session's times with it.
   *
   * @param now A time on the clock.
   * @returns Milliseconds since the epoch, as an int32.
   */
  since(now: number): number {
    const since = Math.floor(now) - this.epochMs;
    // `| 0` makes it an int32 for V8, stored inside the session; a whole
    // number computed as a double would be boxed.
    if (since < SESSION_REBASE_MS) return since | 0;
    const shift = since - 1000;
    this.epochMs += shift;
    this.#rebase(shift);
    return (since - shift) | 0;
  }
}
