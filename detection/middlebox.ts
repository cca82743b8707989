/**
 * Whether a mechanism's own traffic keeps a middlebox from forgetting an
 * idle connection.
 *
 * @module
 */

import { probePeriodS } from "./keepalive.ts";
import type { Mechanism, Middlebox } from "./types.ts";

/**
 * How often a mechanism sends something on a healthy connection that is
 * otherwise idle: keepalive every `max(time, intvl)`, the heartbeat every
 * ping interval; retransmissions send nothing on their own.
 *
 * @param m The mechanism.
 * @returns The period in milliseconds, or `undefined` when it sends nothing.
 *
 * @example
 * ```ts
 * import { trafficPeriodMs } from "@lifeline/lifeline/detection";
 * console.log(trafficPeriodMs({ kind: "keepalive", settings: { time: 7200, intvl: 75, probes: 9 } })); // 7200000
 * console.log(trafficPeriodMs({ kind: "rto", retries2: 15 })); // undefined
 * ```
 */
export function trafficPeriodMs(m: Mechanism): number | undefined {
  switch (m.kind) {
    case "rto":
      return undefined;
    case "keepalive":
      return probePeriodS(m.settings) * 1000;
    case "heartbeat":
      return m.intervalMs;
  }
}

/**
 * Whether a mechanism keeps a middlebox's mapping alive: it sends more
 * often than the idle timeout (strictly: a packet due at the very moment
 * of the timeout races it), and the middlebox counts what it sends
 * (keepalive probes carry no payload, which a proxy ignores).
 *
 * @param m The mechanism.
 * @param box The middlebox.
 * @returns Whether the mapping survives an idle application.
 *
 * @example A 5 s heartbeat keeps an AWS NLB (350 s) alive; default keepalive does not
 * ```ts
 * import { keepsAlive } from "@lifeline/lifeline/detection";
 * const nlb = { idleMs: 350_000, afterExpiry: "reset" as const, countsProbes: true };
 * console.log(keepsAlive({ kind: "heartbeat", intervalMs: 5000, timeoutMs: 15000, tickMs: 1000 }, nlb)); // true
 * console.log(keepsAlive({ kind: "keepalive", settings: { time: 7200, intvl: 75, probes: 9 } }, nlb)); // false
 * ```
 */
export function keepsAlive(m: Mechanism, box: Middlebox): boolean {
  const period = trafficPeriodMs(m);
  if (period === undefined) return false;
  if (m.kind === "keepalive" && !box.countsProbes) return false;
  return period < box.idleMs;
}
