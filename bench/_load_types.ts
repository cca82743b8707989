/**
 * Shapes shared by the load generator's coordinator and its workers.
 *
 * @module
 */

import type { HistogramJson } from "./_histogram.ts";
import type { LoadPorts } from "./_load_ports.ts";

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
  /**
   * Send each heartbeat at its client's own time, from a pacer thread
   * (`_pacer.ts`), rather than from the wheel's turns.
   */
  pace?: boolean;
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
  /** The presence scenario's part for this worker, when there is one. */
  presence?: WorkerPresence;
  /**
   * The ports this worker connects from; without them the kernel picks
   * each one (see `_load_ports.ts`).
   */
  ports?: LoadPorts;
  /**
   * The cluster scenario: a client the server closes connects again with
   * the Lifeline client's backoff, every `presence` frame is kept, and the
   * worker takes the `addresses`, `watch`, `churn` and `silent` commands
   * (see `_load_cluster.ts`).
   */
  cluster?: boolean;
}

/** A worker's part of the presence scenario (see `_presence_plan.ts`). */
export interface WorkerPresence {
  /** Clients in the whole run, for the watch lists. */
  clients: number;
  /** Names each client watches (0: no `watch` frame). */
  watch: number;
  /** The seed of the watch lists. */
  seed: number;
  /** Kills as [index in this worker, ms after the window starts]. */
  kills: [number, number][];
  /**
   * Freezes carried out in the worker as [index, ms after the window
   * starts, ms frozen]; none when the whole process is stopped instead.
   */
  freezes: [number, number, number][];
  /** Indices whose longest silence is reported (the frozen clients). */
  tracked: number[];
  /**
   * Whether the coordinator stops this whole process (SIGSTOP): its pongs
   * are then left out of the round trips.
   */
  stopped: boolean;
}

/**
 * One `presence` frame a client received while measuring: [watcher's
 * number, watched client's number, state (with `:reason` when it has one),
 * arrival on the wall clock in ms].
 */
export type PresenceReceipt = [number, number, string, number];

/** What a worker reports of the presence scenario. */
export interface WorkerPresenceReport {
  /** Every `presence` frame received while measuring. */
  receipts: PresenceReceipt[];
  /** Kills carried out: [client's number, when on the wall clock]. */
  kills: [number, number][];
  /**
   * The tracked clients' longest silence while measuring: [number, last
   * frame before it, first frame after it], on the wall clock.
   */
  gaps: [number, number, number][];
  /** `presence` frames for a name the receiver does not watch, whole run. */
  unwatched: number;
  /** A few of those, for the report. */
  examples: string[];
  /** Watch entries that got no frame before measuring (no snapshot). */
  snapshotMissing: number;
  /** The longest silence of a client neither frozen nor killed, ms. */
  healthyMaxGapMs: number;
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
  /**
   * Heartbeats written per turn of the timer wheel since `measure`, as
   * `[frames, turns]` pairs: how bunched the arrivals are.
   */
  batches: [number, number][];
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
  /** The presence scenario's figures, when there is one. */
  presence?: WorkerPresenceReport;
}
