/**
 * The client's ping interval: the server's (doubled after each
 * `too_many_pings`), or the adaptive one, never above what the server's
 * timeout tolerates.
 *
 * @module
 */

import type { AdaptiveHeartbeat } from "../liveness/adaptive_heartbeat.ts";

/** The server's heartbeat policy, as `welcome` gave it. */
export interface ServerPolicy {
  /** The server's ping interval, in milliseconds. */
  interval: number;
  /** The server's timeout, in milliseconds. */
  timeout: number;
}

/**
 * The longest interval the server tolerates with a margin of one of its
 * intervals.
 *
 * @param policy The server's policy.
 * @returns Milliseconds.
 *
 * @example
 * ```ts
 * import { intervalCeiling } from "./_interval.ts";
 * console.log(intervalCeiling({ interval: 5000, timeout: 15000 })); // 10000
 * ```
 */
export function intervalCeiling(policy: ServerPolicy): number {
  return policy.timeout > policy.interval
    ? policy.timeout - policy.interval
    : Math.max(1, Math.floor(policy.timeout / 2));
}

/**
 * The interval to ping at.
 *
 * @param policy The server's policy.
 * @param multiplier 2^n after n `too_many_pings` errors.
 * @param adaptive The adaptive interval, when on.
 * @returns Milliseconds.
 *
 * @example
 * ```ts
 * import { pingInterval } from "./_interval.ts";
 * const policy = { interval: 5000, timeout: 15000 };
 * console.log(pingInterval(policy, 1), pingInterval(policy, 4)); // 5000 10000
 * ```
 */
export function pingInterval(
  policy: ServerPolicy,
  multiplier: number,
  adaptive?: AdaptiveHeartbeat,
): number {
  const ceiling = intervalCeiling(policy);
  if (adaptive !== undefined) {
    return Math.max(1, Math.min(ceiling, adaptive.interval * multiplier));
  }
  return Math.min(
    Math.max(ceiling, policy.interval),
    policy.interval * multiplier,
  );
}
