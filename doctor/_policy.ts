/**
 * The server's heartbeat policy as the doctor works with it: what the
 * server tells its clients (interval, timeout) and what follows from its
 * options (the sweep tick, the ping rate limit). Internal to `doctor/`.
 *
 * @module
 */

// What a client is not told comes from the server's own defaults: a ping
// sooner than the minimum gap is a strike, one past the strikes ends it.
import {
  DEFAULT_MAX_PING_STRIKES,
  defaultMinPingInterval,
  defaultTick,
} from "../server/options.ts";

/** The server's heartbeat policy, in milliseconds. */
export interface ServerPolicy {
  /** The ping interval the server tells its clients. */
  intervalMs: number;
  /** The silence after which the server drops a client. */
  timeoutMs: number;
  /** How often the server sweeps for silent clients. */
  tickMs: number;
  /** A ping sooner than this after the previous one earns a strike. */
  minPingIntervalMs: number;
  /** Strikes allowed; one more gets `too_many_pings`. */
  maxPingStrikes: number;
  /** Where the policy comes from, for people: `flags`, `the server's defaults`, … */
  source: string;
  /** The fields that were not read but taken as the server's defaults. */
  assumed: string[];
}

/** Options of {@linkcode serverPolicy}. */
export interface PolicyOptions {
  /**
   * The sweep tick, when known.
   *
   * @default {timeout / 10, within 10 ms to 1 s (the server's default)}
   */
  tickMs?: number;
  /**
   * Where the policy comes from.
   *
   * @default {"flags"}
   */
  source?: string;
  /**
   * The fields taken as the server's defaults although the server may have
   * been started otherwise (a policy read from a running server).
   *
   * @default {[]}
   */
  assumed?: string[];
}

/**
 * Builds the policy of a server from its interval and timeout, filling in
 * what the server derives from them by default: the tick (timeout / 10
 * within 10 ms..1 s) and the minimum ping interval (interval / 2).
 *
 * @param intervalMs The ping interval.
 * @param timeoutMs The timeout.
 * @param options The tick, if known, and where the values come from.
 * @returns The policy.
 *
 * @example The server's defaults
 * ```ts
 * import { serverPolicy } from "./_policy.ts";
 * const p = serverPolicy(5000, 15000, { source: "the server's defaults" });
 * console.log(p.tickMs, p.minPingIntervalMs); // 1000 2500
 * ```
 */
export function serverPolicy(
  intervalMs: number,
  timeoutMs: number,
  options: PolicyOptions = {},
): ServerPolicy {
  return {
    intervalMs,
    timeoutMs,
    tickMs: options.tickMs ?? defaultTick(timeoutMs),
    minPingIntervalMs: defaultMinPingInterval(intervalMs),
    maxPingStrikes: DEFAULT_MAX_PING_STRIKES,
    source: options.source ?? "flags",
    assumed: [...options.assumed ?? []],
  };
}
