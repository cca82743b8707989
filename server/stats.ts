/**
 * The shape of `server.stats()`: what the server has counted since it
 * started, as plain numbers, for metrics endpoints and dashboards. The
 * counting itself is plain field increments on the hot path
 * (`_stats.ts`); this is the snapshot.
 *
 * @module
 */

import type { SessionCloseReason } from "./events.ts";

/**
 * A histogram with fixed buckets, as counted: `counts[i]` observations fell
 * in `(bounds[i-1], bounds[i]]`, and the last entry of `counts` (one more
 * than `bounds`) counts those above the last bound.
 */
export interface HistogramSnapshot {
  /** The buckets' upper bounds, ascending, in milliseconds. */
  bounds: number[];
  /** Observations per bucket (not cumulative), `bounds.length + 1` of them. */
  counts: number[];
  /** The sum of the observations, in milliseconds. */
  sum: number;
  /** The number of observations. */
  count: number;
}

/** Inbound frames, by type. */
export interface FrameCounts {
  /** `hello`. */
  hello: number;
  /** `ping`, before or after `hello`. */
  ping: number;
  /** `msg`. */
  msg: number;
  /** `watch`. */
  watch: number;
  /** `unwatch`. */
  unwatch: number;
  /** `bye`. */
  bye: number;
  /** `refresh`. */
  refresh: number;
  /** Lines that failed to parse or validate, or had an unknown `type`. */
  invalid: number;
  /** Go-format heartbeats (`MessageType` 1). */
  go_heartbeat: number;
  /** Go-format messages (`MessageType` 0). */
  go_message: number;
}

/** A server's lifecycle: see `LifelineServer.state`. */
export type ServerState = "starting" | "serving" | "draining" | "stopped";

/** Where a server stands in its cluster, for metrics and readiness. */
export interface ServerClusterState {
  /** This node's id. */
  nodeId: string;
  /** Whether there are other nodes (`false` for a server alone). */
  distributed: boolean;
  /** Whether cross-node features work now (Redis reachable, not fenced). */
  available: boolean;
  /** Why it is as it is: `"joined"`, or what made it unavailable. */
  reason: string;
  /** The nodes alive at the last look, this one included. */
  nodes: number;
}

/** What `server.stats()` returns: counts since the server was created. */
export interface ServerStats {
  /** The lifecycle state. */
  state: ServerState;
  /** Registered clients now, by wire protocol. */
  connections: { lifeline: number; go: number };
  /** Open connections now, registered or not (what counts toward the limit). */
  open: number;
  /** Connections accepted by the listener, refused ones included. */
  accepted: number;
  /** Connections turned away at accept time, by `bye` reason. */
  refused: { server_full: number; shutdown: number };
  /** Heartbeats answered: pings after `hello`, and Go-format heartbeats. */
  heartbeats: number;
  /** Inbound frames, by type. */
  frames: FrameCounts;
  /** Connections dropped for silence. */
  timeouts: number;
  /** Registered clients whose session ended, by reason. */
  disconnects: Record<SessionCloseReason, number>;
  /** Presence changes of watched names, by new state. */
  presence: { online: number; suspect: number; offline: number };
  /**
   * The silence of each connection at the moment the sweeper closed it
   * (the `timeout` event's `silentMs`): the detection time.
   */
  detection: HistogramSnapshot;
  /** How long each liveness sweep took. */
  sweep: HistogramSnapshot;
  /**
   * The most bytes waiting to be written to any one connection now (0 when
   * the transport cannot tell).
   */
  writeQueueMaxBytes: number;
}

/**
 * The detection-time buckets for a timeout and tick, in milliseconds. A
 * silent connection is dropped between `timeout` and `timeout + tick`
 * (the bound), so the buckets cut that range in quarters and the bound is
 * one of them; a few more above show how late a late detection was.
 *
 * @param timeout The silence limit, in milliseconds.
 * @param tick The sweep period, in milliseconds.
 * @returns Ascending upper bounds, in milliseconds.
 *
 * @example
 * ```ts
 * import { detectionBuckets } from "@lifeline/lifeline/server";
 * console.log(detectionBuckets(1000, 100));
 * // [ 500, 1000, 1025, 1050, 1075, 1100, 1125, 1150, 1200, 1500, 2000, 4000 ]
 * ```
 */
export function detectionBuckets(timeout: number, tick: number): number[] {
  const bounds = [
    timeout / 2,
    timeout,
    timeout + tick / 4,
    timeout + tick / 2,
    timeout + (3 * tick) / 4,
    timeout + tick,
    timeout + (5 * tick) / 4,
    timeout + (3 * tick) / 2,
    timeout + 2 * tick,
    timeout + 5 * tick,
    2 * timeout,
    4 * timeout,
  ].map((ms) => Math.round(ms * 1000) / 1000);
  return [...new Set(bounds)].sort((a, b) => a - b);
}

/**
 * The sweep-duration buckets, in milliseconds: from 10 µs (a tick that
 * expires nothing) to 250 ms (a tick that stalls the event loop).
 */
export const SWEEP_BUCKETS: readonly number[] = [
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  25,
  50,
  100,
  250,
];
