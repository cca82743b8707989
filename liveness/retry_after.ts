/**
 * Jittered retry hints, so clients told to go away do not all come back in
 * the same second.
 *
 * @module
 */

/** Options for {@link spreadRetryAfter}. */
export interface SpreadRetryAfterOptions {
  /**
   * The shortest hint, in milliseconds.
   * @default {1000}
   */
  minMs?: number;
  /**
   * The width of the window the hints are spread over, in milliseconds.
   * @default {10000}
   */
  spreadMs?: number;
  /**
   * A source of uniform random numbers in [0, 1).
   * @default {Math.random}
   */
  random?: () => number;
}

/**
 * Gives `count` clients retry hints spread over `[minMs, minMs + spreadMs)`:
 * the window is cut into `count` equal strata, each client gets a random
 * point in one stratum, and the strata are dealt out in random order. So
 * the hints are jittered yet never bunch up, whatever the random source.
 *
 * @param count How many hints.
 * @param options The window and the random source.
 * @returns `count` whole milliseconds, in no particular order.
 *
 * @example Spread four clients over 1 to 5 seconds
 * ```ts
 * import { spreadRetryAfter } from "@lifeline/lifeline/liveness";
 * const hints = spreadRetryAfter(4, { minMs: 1000, spreadMs: 4000 });
 * const sorted = hints.toSorted((a, b) => a - b);
 * console.log(sorted.every((ms, i) => ms >= 1000 + i * 1000 && ms < 2000 + i * 1000)); // true
 * ```
 */
export function spreadRetryAfter(
  count: number,
  options: SpreadRetryAfterOptions = {},
): number[] {
  const minMs = options.minMs ?? 1000;
  const spreadMs = options.spreadMs ?? 10_000;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot spread ${count} retry hints: expected a non-negative integer`,
    );
  }
  const hints = new Array<number>(count);
  const width = spreadMs / Math.max(1, count);
  for (let i = 0; i < count; i++) {
    hints[i] = Math.floor(minMs + (i + random()) * width);
  }
  // Fisher-Yates: which client gets which stratum is random too.
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = hints[i];
    hints[i] = hints[j];
    hints[j] = swap;
  }
  return hints;
}

/**
 * One jittered retry hint in `[minMs, minMs + spreadMs)`.
 *
 * @param options The window and the random source.
 * @returns Whole milliseconds.
 *
 * @example
 * ```ts
 * import { jitteredRetryAfter } from "@lifeline/lifeline/liveness";
 * const ms = jitteredRetryAfter({ minMs: 1000, spreadMs: 1000 });
 * console.log(ms >= 1000 && ms < 2000); // true
 * ```
 */
export function jitteredRetryAfter(
  options: SpreadRetryAfterOptions = {},
): number {
  return spreadRetryAfter(1, options)[0];
}
