/**
 * When several mechanisms watch one connection, the first to notice wins.
 *
 * @module
 */

import type { DetectionRange } from "./types.ts";

/**
 * The range in which the first of several mechanisms notices: no earlier
 * than the earliest of them, and no later than the soonest worst case.
 *
 * @param ranges The ranges of the mechanisms that notice at all.
 * @returns The combined range, or `undefined` for none.
 *
 * @example Heartbeat and tuned keepalive on the same connection
 * ```ts
 * import { firstDetection } from "@lifeline/lifeline/detection";
 * console.log(firstDetection([{ minMs: 2000, maxMs: 3250 }, { minMs: 3000, maxMs: 5000 }])); // { minMs: 2000, maxMs: 3250 }
 * ```
 */
export function firstDetection(
  ranges: readonly DetectionRange[],
): DetectionRange | undefined {
  if (ranges.length === 0) return undefined;
  return {
    minMs: Math.min(...ranges.map((r) => r.minMs)),
    maxMs: Math.min(...ranges.map((r) => r.maxMs)),
  };
}
