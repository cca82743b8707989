/**
 * Lifeline's heartbeat: when a side that stops sending is declared dead.
 *
 * @module
 */

import type { DetectionRange } from "./types.ts";

/** A heartbeat as one side sees it: how often the other side speaks, and the timeout. */
export interface HeartbeatTiming {
  /** How often the watched side sends a frame, in milliseconds. */
  intervalMs: number;
  /** The silence after which the watched side is declared dead, in milliseconds. */
  timeoutMs: number;
}

/**
 * The range of heartbeat detection times after the watched side stops: its
 * last frame came at most one interval before the stop, and the deadline
 * `timeout` after that frame is checked up to `lateMs` late, so detection
 * falls in `[timeout − interval, timeout + late]`. The server is late by at
 * most its sweep `tick`; the client checks its deadline on its ping timer,
 * so it is late by at most its ping interval.
 *
 * @param h The interval and timeout.
 * @param lateMs How late the deadline may be checked, in milliseconds.
 * @returns The range in milliseconds.
 *
 * @example The server's defaults: interval 5 s, timeout 15 s, tick 1 s
 * ```ts
 * import { heartbeatRangeMs } from "@lifeline/lifeline/detection";
 * console.log(heartbeatRangeMs({ intervalMs: 5000, timeoutMs: 15000 }, 1000)); // { minMs: 10000, maxMs: 16000 }
 * ```
 */
export function heartbeatRangeMs(
  h: HeartbeatTiming,
  lateMs: number,
): DetectionRange {
  return {
    minMs: Math.max(0, h.timeoutMs - h.intervalMs),
    maxMs: h.timeoutMs + lateMs,
  };
}
