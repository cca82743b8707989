/**
 * The server's state for one connection. It is its own entry in the
 * heartbeat registry's timing wheel (intrusive links, no wrapper).
 *
 * @module
 */

import type { GoFrameDecoder, LineDecoder } from "../protocol/mod.ts";
import type { ClientInfo, ClientProtocol } from "./events.ts";
import { WheelEntry } from "./timing_wheel.ts";
import type { TransportConn } from "./transport.ts";

/** Not yet known: the first bytes decide. */
export const MODE_SNIFF = 0;
/** Lifeline's ndjson. */
export const MODE_LINES = 1;
/** The Go project's concatenated JSON; never written to. */
export const MODE_GO = 2;

/** Reading frames. */
export const STATE_OPEN = 0;
/** `bye` sent or being closed: input is discarded until the peer closes. */
export const STATE_CLOSING = 1;
/** The transport reported the close. */
export const STATE_CLOSED = 2;

/** One connection. */
export class Session extends WheelEntry {
  /** The transport connection. */
  readonly conn: TransportConn;
  /** The id as a number: a small integer stays in the object, a string
   * would be one more heap object per connection. */
  readonly idNumber: number;
  /** When it was accepted. */
  // Numeric initializers keep these fields in V8's double representation,
  // so a store updates them in place; a field declared without one starts
  // as `undefined` and every later store allocates a fresh number (one per
  // frame, kept alive a whole interval: measured in bench/RESULTS.md).
  readonly connectedAt: number = 0;
  /** When the last complete frame arrived (or the accept time). */
  lastSeenAt: number = 0;
  /** The registered name, once known. */
  name: string | null = null;
  /** One of the MODE_ constants. */
  mode: number = MODE_SNIFF;
  /** One of the STATE_ constants. */
  state: number = STATE_OPEN;
  /** How many bytes of the Go prefix matched so far. */
  sniffed = 0;
  /** The ndjson decoder, once in MODE_LINES. */
  lines: LineDecoder | null = null;
  /** The Go decoder, once in MODE_GO. */
  go: GoFrameDecoder | null = null;
  /** Invalid frames so far. */
  invalidFrames = 0;
  /** When the last ping arrived. */
  lastPingAt = Number.NEGATIVE_INFINITY;
  /** Pings that came too soon after the previous one, since the last good one. */
  pingStrikes = 0;

  /**
   * Creates the state of a freshly accepted connection.
   *
   * @param conn The connection.
   * @param id Its id (a positive integer).
   * @param now The accept time.
   */
  constructor(conn: TransportConn, id: number, now: number) {
    super();
    this.conn = conn;
    this.idNumber = id;
    this.connectedAt = now;
    this.lastSeenAt = now;
  }

  /** The id sent in `welcome`, made on demand. */
  get id(): string {
    return String(this.idNumber);
  }

  /** Which protocol the session speaks. */
  get protocol(): ClientProtocol {
    return this.mode === MODE_GO ? "go" : "lifeline";
  }

  /**
   * A snapshot for events and `clients()`.
   *
   * @returns The client's info (the name must be set).
   */
  info(): ClientInfo {
    return {
      id: this.id,
      name: this.name ?? "",
      protocol: this.protocol,
      remoteAddr: this.conn.remoteAddr,
      connectedAt: this.connectedAt,
      lastSeenAt: this.lastSeenAt,
    };
  }
}
