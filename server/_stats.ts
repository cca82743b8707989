/**
 * The server's counters: plain numeric fields that the session and the
 * server increment on the hot path (no map lookup, no label object, no
 * allocation per event), and fixed-bucket histograms. Turned into a
 * {@link ServerStats} snapshot only when someone asks.
 *
 * @module
 */

import type { SessionCloseReason } from "./events.ts";
import type {
  FrameCounts,
  HistogramSnapshot,
  ServerState,
  ServerStats,
} from "./stats.ts";

/** A histogram with fixed upper bounds: one counter per bucket. */
export class FixedHistogram {
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /**
   * Creates an empty histogram.
   *
   * @param bounds Ascending upper bounds; one more bucket counts the rest.
   */
  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /**
   * Counts one observation.
   *
   * @param value The value, in the bounds' unit.
   */
  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.#counts[i]++;
    this.#sum += value;
    this.#count++;
  }

  /**
   * A copy of the counts.
   *
   * @returns The snapshot.
   */
  snapshot(): HistogramSnapshot {
    return {
      bounds: [...this.#bounds],
      counts: Array.from(this.#counts),
      sum: this.#sum,
      count: this.#count,
    };
  }
}

/** Everything the server counts. Fields are incremented in place. */
export class ServerCounters {
  /** Registered clients speaking Lifeline's protocol. */
  lifelineClients = 0;
  /** Registered clients speaking the Go format. */
  goClients = 0;
  /** Connections accepted, refused ones included. */
  accepted = 0;
  /** Refused with `server_full`. */
  refusedFull = 0;
  /** Refused while shutting down. */
  refusedShutdown = 0;
  /** Heartbeats answered. */
  heartbeats = 0;
  /** `ping` frames. */
  framesPing = 0;
  /** `hello` frames. */
  framesHello = 0;
  /** `msg` frames. */
  framesMsg = 0;
  /** `watch` frames. */
  framesWatch = 0;
  /** `unwatch` frames. */
  framesUnwatch = 0;
  /** `bye` frames. */
  framesBye = 0;
  /** Lines that were not a valid frame of a known type. */
  framesInvalid = 0;
  /** Go-format heartbeats. */
  framesGoHeartbeat = 0;
  /** Go-format messages. */
  framesGoMessage = 0;
  /** Connections dropped for silence. */
  timeouts = 0;
  /** Presence changes to `online`. */
  presenceOnline = 0;
  /** `refresh` frames. */
  framesRefresh = 0;
  /** Presence changes to `suspect`. */
  presenceSuspect = 0;
  /** Presence changes to `offline`. */
  presenceOffline = 0;
  /** Ended sessions of registered clients, by reason. */
  readonly disconnects: Record<SessionCloseReason, number> = {
    closed: 0,
    timeout: 0,
    replaced: 0,
    shutdown: 0,
    too_many_pings: 0,
    protocol_error: 0,
    auth_failed: 0,
    token_expired: 0,
    rate_limited: 0,
  };
  /** Silence at the moment of a timeout, in milliseconds. */
  readonly detection: FixedHistogram;
  /** Liveness sweep durations, in milliseconds. */
  readonly sweep: FixedHistogram;

  /**
   * Creates zeroed counters.
   *
   * @param detectionBounds The detection histogram's bounds, in ms.
   * @param sweepBounds The sweep histogram's bounds, in ms.
   */
  constructor(
    detectionBounds: readonly number[],
    sweepBounds: readonly number[],
  ) {
    this.detection = new FixedHistogram(detectionBounds);
    this.sweep = new FixedHistogram(sweepBounds);
  }

  /**
   * Counts a parsed frame of the Lifeline protocol (the session counts
   * the pings its fast path recognises itself).
   *
   * @param type The frame's type.
   */
  frame(type: string): void {
    switch (type) {
      case "ping":
        this.framesPing++;
        break;
      case "hello":
        this.framesHello++;
        break;
      case "msg":
        this.framesMsg++;
        break;
      case "watch":
        this.framesWatch++;
        break;
      case "unwatch":
        this.framesUnwatch++;
        break;
      case "bye":
        this.framesBye++;
        break;
      case "refresh":
        this.framesRefresh++;
        break;
    }
  }

  /**
   * Counts a presence change.
   *
   * @param state The new state.
   */
  presence(state: string): void {
    if (state === "online") this.presenceOnline++;
    else if (state === "suspect") this.presenceSuspect++;
    else this.presenceOffline++;
  }

  /**
   * A snapshot of every count.
   *
   * @param state The server's state.
   * @param open Open connections now.
   * @param writeQueueMaxBytes The longest write queue now.
   * @returns The snapshot.
   */
  snapshot(
    state: ServerState,
    open: number,
    writeQueueMaxBytes: number,
  ): ServerStats {
    const frames: FrameCounts = {
      hello: this.framesHello,
      ping: this.framesPing,
      msg: this.framesMsg,
      watch: this.framesWatch,
      unwatch: this.framesUnwatch,
      bye: this.framesBye,
      refresh: this.framesRefresh,
      invalid: this.framesInvalid,
      go_heartbeat: this.framesGoHeartbeat,
      go_message: this.framesGoMessage,
    };
    return {
      state,
      connections: { lifeline: this.lifelineClients, go: this.goClients },
      open,
      accepted: this.accepted,
      refused: {
        server_full: this.refusedFull,
        shutdown: this.refusedShutdown,
      },
      heartbeats: this.heartbeats,
      frames,
      timeouts: this.timeouts,
      disconnects: { ...this.disconnects },
      presence: {
        online: this.presenceOnline,
        suspect: this.presenceSuspect,
        offline: this.presenceOffline,
      },
      detection: this.detection.snapshot(),
      sweep: this.sweep.snapshot(),
      writeQueueMaxBytes,
    };
  }
}
