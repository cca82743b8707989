/**
 * Shapes shared by the load generator's coordinator and its workers.
 *
 * @module
 */

import type { HistogramJson } from "./_histogram.ts";

/** Which wire format the clients speak. */
export type LoadProtocol = "lifeline" | "go";

/** What one worker process opens and how it drives it. */
export interface WorkerConfig {
  /** The server's address. */
  host: string;
  /** The server's port. */
  port: number;
  /** Local addresses to connect from, used round-robin. */
  sources: string[];
  /** How many connections this worker opens. */
  count: number;
  /** The number of this worker's first client, for unique names. */
  firstId: number;
  /** Milliseconds between two heartbeats of one connection. */
  intervalMs: number;
  /** The timer wheel's tick in milliseconds. */
  tickMs: number;
  /** The wire format. */
  protocol: LoadProtocol;
  /** How many connection attempts may be in flight at once. */
  concurrency: number;
  /** Report `ramped` after this long even if not every client is ready. */
  rampTimeoutMs: number;
  /** Exit with an error after this many seconds, whatever happens. */
  maxSeconds: number;
  /** Client names are this prefix followed by a number. */
  namePrefix: string;
}

/** The counts a worker reports and the coordinator merges. */
export interface LoadCounters {
  /** Connections asked for. */
  target: number;
  /** Connection attempts that failed. */
  failed: number;
  /** Established connections closed by the server during the whole run. */
  dropped: number;
  /** Socket errors by code, during the whole run. */
  errors: Record<string, number>;
  /** `bye` reasons and `error` codes received during the whole run, as "bye timeout". */
  frames: Record<string, number>;
  /** Heartbeats sent since `measure`. */
  heartbeats: number;
  /** Pongs matched to their ping since `measure`. */
  pongs: number;
  /** Pings sent while the previous one was still unanswered, since `measure`. */
  late: number;
  /** `bye` frames received since `measure`. */
  byes: number;
  /** `error` frames received since `measure`. */
  errorFrames: number;
  /** The slowest round trip in each second since `measure`, in ms. */
  worstPerSecond: number[];
}

/** What a worker reports on `report`. */
export interface WorkerReport extends LoadCounters {
  /** The event name. */
  event: "report";
  /** Connections open and past the handshake now. */
  ready: number;
  /** Milliseconds since `measure`. */
  measureMs: number;
  /** Round trips since `measure`. */
  rtt: HistogramJson;
}
