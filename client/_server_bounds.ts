/**
 * What the client accepts from a server: bounds on `welcome`'s interval
 * and timeout and on `bye`'s `retryAfter`, and how many invalid lines a
 * connection may carry. A server's word is not trusted blindly: an
 * interval of 1 ms made a client ping 760 times a second, a timeout of
 * 10^12 ms meant a silent server was never declared dead, a `retryAfter`
 * past 2^31 - 1 ms overflowed `setTimeout` into a reconnect every few
 * milliseconds. A value out of bounds is a protocol error: the client
 * disconnects (`protocol_error`) and reconnects with its backoff.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import type { ServerBounds } from "./options.ts";

/** {@link ServerBounds} with every field filled in. */
export type ResolvedServerBounds = Required<ServerBounds>;

/** One hour, the default ceiling of every duration a server may send. */
const HOUR = 3_600_000;

/**
 * The defaults of {@link ServerBounds}.
 *
 * @example
 * ```ts
 * import { DEFAULT_SERVER_BOUNDS } from "./_server_bounds.ts";
 * console.log(DEFAULT_SERVER_BOUNDS.minInterval, DEFAULT_SERVER_BOUNDS.maxInvalidLines); // 100 3
 * ```
 */
export const DEFAULT_SERVER_BOUNDS: Readonly<ResolvedServerBounds> = {
  minInterval: 100,
  maxInterval: HOUR,
  maxTimeout: HOUR,
  maxRetryAfter: HOUR,
  maxInvalidLines: 3,
};

/**
 * The longest delay `setTimeout` takes without firing at once.
 *
 * @example
 * ```ts
 * import { MAX_TIMER_MS } from "./_server_bounds.ts";
 * console.log(MAX_TIMER_MS); // 2147483647
 * ```
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fills in the defaults of {@link ServerBounds} and checks them.
 *
 * @param bounds The bounds as given.
 * @returns The bounds in force.
 * @throws {RangeError} For a bound that is not a positive integer, a
 * duration past 2^31 - 1 ms, or a minimum above its maximum.
 *
 * @example
 * ```ts
 * import { resolveServerBounds } from "./_server_bounds.ts";
 * console.log(resolveServerBounds({ minInterval: 10 }).minInterval); // 10
 * ```
 */
export function resolveServerBounds(
  bounds: ServerBounds = {},
): ResolvedServerBounds {
  const resolved: ResolvedServerBounds = {
    minInterval: bounds.minInterval ?? DEFAULT_SERVER_BOUNDS.minInterval,
    maxInterval: bounds.maxInterval ?? DEFAULT_SERVER_BOUNDS.maxInterval,
    maxTimeout: bounds.maxTimeout ?? DEFAULT_SERVER_BOUNDS.maxTimeout,
    maxRetryAfter: bounds.maxRetryAfter ?? DEFAULT_SERVER_BOUNDS.maxRetryAfter,
    maxInvalidLines: bounds.maxInvalidLines ??
      DEFAULT_SERVER_BOUNDS.maxInvalidLines,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
      throw new RangeError(
        `Cannot use serverBounds.${key} "${value}": expected an integer from 1 to ${MAX_TIMER_MS}`,
      );
    }
  }
  if (resolved.minInterval > resolved.maxInterval) {
    throw new RangeError(
      `Cannot use serverBounds.minInterval "${resolved.minInterval}": expected at most maxInterval (${resolved.maxInterval})`,
    );
  }
  return resolved;
}

/**
 * Why a `welcome` is out of bounds, or `undefined` when it is not: the
 * interval must be within `[minInterval, maxInterval]`, the timeout longer
 * than the interval and at most `maxTimeout`.
 *
 * @param welcome The frame's interval and timeout, in milliseconds.
 * @param bounds The bounds in force.
 * @returns The reason, as an error message, or `undefined`.
 *
 * @example
 * ```ts
 * import { DEFAULT_SERVER_BOUNDS, welcomeOutOfBounds } from "./_server_bounds.ts";
 * console.log(welcomeOutOfBounds({ interval: 5000, timeout: 15000 }, DEFAULT_SERVER_BOUNDS)); // undefined
 * console.log(welcomeOutOfBounds({ interval: 1, timeout: 15000 }, DEFAULT_SERVER_BOUNDS));
 * // 'Cannot accept welcome interval "1ms": expected 100ms to 1h'
 * ```
 */
export function welcomeOutOfBounds(
  welcome: { interval: number; timeout: number },
  bounds: ResolvedServerBounds,
): string | undefined {
  const { interval, timeout } = welcome;
  if (interval < bounds.minInterval || interval > bounds.maxInterval) {
    return `Cannot accept welcome interval "${
      formatDuration(interval)
    }": expected ${formatDuration(bounds.minInterval)} to ${
      formatDuration(bounds.maxInterval)
    }`;
  }
  if (timeout <= interval || timeout > bounds.maxTimeout) {
    return `Cannot accept welcome timeout "${
      formatDuration(timeout)
    }": expected more than the interval (${
      formatDuration(interval)
    }) and at most ${formatDuration(bounds.maxTimeout)}`;
  }
  return undefined;
}

/**
 * Why a `bye`'s `retryAfter` is out of bounds, or `undefined`.
 *
 * @param retryAfter The hint, in milliseconds.
 * @param bounds The bounds in force.
 * @returns The reason, as an error message, or `undefined`.
 *
 * @example
 * ```ts
 * import { DEFAULT_SERVER_BOUNDS, retryAfterOutOfBounds } from "./_server_bounds.ts";
 * console.log(retryAfterOutOfBounds(2 ** 31, DEFAULT_SERVER_BOUNDS) !== undefined); // true
 * ```
 */
export function retryAfterOutOfBounds(
  retryAfter: number,
  bounds: ResolvedServerBounds,
): string | undefined {
  return retryAfter > bounds.maxRetryAfter
    ? `Cannot accept bye retryAfter "${
      formatDuration(retryAfter)
    }": expected at most ${formatDuration(bounds.maxRetryAfter)}`
    : undefined;
}
