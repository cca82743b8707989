/**
 * Linux's retransmission timeout: how long a write to a peer that no longer
 * answers goes unacknowledged before the kernel gives up with ETIMEDOUT.
 *
 * @module
 */

import type { DetectionRange } from "./types.ts";

/**
 * The minimum retransmission timeout of Linux (TCP_RTO_MIN), in ms.
 *
 * @example
 * ```ts
 * import { RTO_MIN_MS } from "@lifeline/lifeline/detection";
 * console.log(RTO_MIN_MS); // 200
 * ```
 */
export const RTO_MIN_MS = 200;

/**
 * The maximum retransmission timeout of Linux (TCP_RTO_MAX), in ms.
 *
 * @example
 * ```ts
 * import { RTO_MAX_MS } from "@lifeline/lifeline/detection";
 * console.log(RTO_MAX_MS); // 120000
 * ```
 */
export const RTO_MAX_MS = 120_000;

/**
 * How long Linux keeps retransmitting unacknowledged data before it gives up
 * with ETIMEDOUT, for a given `tcp_retries2`: the sum of the doubling RTOs
 * from TCP_RTO_MIN, each capped at TCP_RTO_MAX (`retransmits_timed_out()`).
 *
 * @param retries2 The value of `net.ipv4.tcp_retries2`.
 * @returns Milliseconds from the first transmission to the give-up.
 *
 * @example The default, 15, gives the well-known 924.6 s
 * ```ts
 * import { rtoGiveUpMs } from "@lifeline/lifeline/detection";
 * console.log(rtoGiveUpMs(15)); // 924600
 * console.log(rtoGiveUpMs(5)); // 12600
 * ```
 */
export function rtoGiveUpMs(retries2: number): number {
  let total = 0;
  for (let i = 0; i <= retries2; i++) {
    total += Math.min(RTO_MIN_MS * 2 ** i, RTO_MAX_MS);
  }
  return Math.round(total);
}

/**
 * The range in which a write's retransmissions give up: from the give-up
 * time of {@linkcode rtoGiveUpMs} to 10 % more, for an RTO above its
 * minimum (a round trip longer than 200 ms) and the timer's slack.
 *
 * @param retries2 The value of `net.ipv4.tcp_retries2`.
 * @returns The range, in milliseconds after the write.
 *
 * @example
 * ```ts
 * import { rtoRangeMs } from "@lifeline/lifeline/detection";
 * console.log(rtoRangeMs(5)); // { minMs: 12600, maxMs: 13860 }
 * ```
 */
export function rtoRangeMs(retries2: number): DetectionRange {
  const ms = rtoGiveUpMs(retries2);
  return { minMs: ms, maxMs: Math.round(ms * 1.1) };
}
