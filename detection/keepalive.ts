/**
 * TCP keepalive: how often an idle connection is probed and how long a
 * vanished peer takes to notice, from the three sysctls.
 *
 * @module
 */

import type { DetectionRange, KeepaliveSettings } from "./types.ts";

/**
 * How often an idle, healthy connection sends a keepalive probe: the timer
 * fires `time` after the last packet, and after each probe it is re-armed
 * for `intvl`, so the period is `max(time, intvl)`. With
 * `setKeepAlive(true, 2000)` under Deno (idle 2 s, namespace intvl 75 s) an
 * idle connection is probed only every 75 s.
 *
 * @param k The keepalive settings in seconds.
 * @returns The period in seconds.
 *
 * @example
 * ```ts
 * import { probePeriodS } from "@lifeline/lifeline/detection";
 * console.log(probePeriodS({ time: 2, intvl: 75, probes: 9 })); // 75
 * ```
 */
export function probePeriodS(k: KeepaliveSettings): number {
  return Math.max(k.time, k.intvl);
}

/**
 * The range of keepalive detection times after a peer vanishes: the first
 * unanswered probe goes out one probe period (`max(time, intvl)`, see
 * {@linkcode probePeriodS}) after the last answered one, then `probes`
 * probes `intvl` apart; so the detection happens between `probes × intvl`
 * (the peer vanished just before a probe was due) and
 * `max(time, intvl) + probes × intvl` (just after a probe was answered; the
 * familiar `time + probes × intvl` when `time ≥ intvl`).
 *
 * @param k The keepalive settings in seconds.
 * @returns The range in milliseconds.
 *
 * @example Defaults of a fresh namespace
 * ```ts
 * import { keepaliveRangeMs } from "@lifeline/lifeline/detection";
 * console.log(keepaliveRangeMs({ time: 7200, intvl: 75, probes: 9 })); // { minMs: 675000, maxMs: 7875000 }
 * ```
 */
export function keepaliveRangeMs(k: KeepaliveSettings): DetectionRange {
  return {
    minMs: k.probes * k.intvl * 1000,
    maxMs: (probePeriodS(k) + k.probes * k.intvl) * 1000,
  };
}

/**
 * The same keepalive settings multiplied by a factor (the probe count stays).
 *
 * @param k Settings in seconds.
 * @param factor The factor.
 * @returns The scaled settings.
 *
 * @example
 * ```ts
 * import { scaleKeepalive } from "@lifeline/lifeline/detection";
 * console.log(scaleKeepalive({ time: 2, intvl: 1, probes: 3 }, 60)); // { time: 120, intvl: 60, probes: 3 }
 * ```
 */
export function scaleKeepalive(
  k: KeepaliveSettings,
  factor: number,
): KeepaliveSettings {
  return { time: k.time * factor, intvl: k.intvl * factor, probes: k.probes };
}
