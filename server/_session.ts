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

/**
 * Session times are moved to a later epoch once they reach this many
 * milliseconds (about 12 days), so they stay below 2^31, V8's limit for a
 * small integer on this platform.
 */
export const SESSION_REBASE_MS = 2 ** 30;

/** `pingMs` of a session that has not pinged. */
export const NEVER = -(2 ** 31);

/** One connection. */
export class Session extends WheelEntry {
  /** The transport connection. */
  readonly conn: TransportConn;
  /** The id as a number: a small integer stays in the object, a string
   * would be one more heap object per connection. */
  readonly idNumber: number;
  // Times are whole milliseconds since the server's epoch (see
  // {@link SESSION_REBASE_MS}): small integers, which V8 keeps inside the
  // object. A fractional or absolute time would be a boxed number of its own
  // per field and connection.
  /** When it was accepted. */
  connectedMs: number;
  /** When the last complete frame arrived (or the accept time). */
  seenMs: number;
  /** The registered name, once known. */
  name: string | null = null;
  // mode (2 bits) | state (2 bits) << 2 | sniffed (5 bits) << 4: three small
  // fields in one, as every field is paid once per connection.
  #bits: number = MODE_SNIFF;
  // The frame decoder of the mode: a LineDecoder or a GoFrameDecoder.
  #decoder: LineDecoder | GoFrameDecoder | null = null;
  /** Invalid frames so far. */
  invalidFrames = 0;
  /** When the last ping arrived, or {@link NEVER}. */
  pingMs: number = NEVER;
  /** Pings that came too soon after the previous one, since the last good one. */
  pingStrikes = 0;

  /**
   * Creates the state of a freshly accepted connection.
   *
   * @param conn The connection.
   * @param id Its id (a positive integer).
   * @param nowMs The accept time, in milliseconds since the server's epoch.
   */
  constructor(conn: TransportConn, id: number, nowMs: number) {
    super();
    this.conn = conn;
    this.idNumber = id;
    this.connectedMs = nowMs;
    this.seenMs = nowMs;
  }

  /** One of the MODE_ constants. */
  get mode(): number {
    return this.#bits & 3;
  }
  set mode(mode: number) {
    this.#bits = (this.#bits & ~3) | mode;
  }

  /** One of the STATE_ constants. */
  get state(): number {
    return (this.#bits >> 2) & 3;
  }
  set state(state: number) {
    this.#bits = (this.#bits & ~12) | (state << 2);
  }

  /** How many bytes of the Go prefix matched so far (at most 31). */
  get sniffed(): number {
    return this.#bits >> 4;
  }
  set sniffed(count: number) {
    this.#bits = (this.#bits & 15) | (count << 4);
  }

  /** The ndjson decoder, once in MODE_LINES. */
  get lines(): LineDecoder | null {
    return this.mode === MODE_LINES ? this.#decoder as LineDecoder : null;
  }
  set lines(decoder: LineDecoder | null) {
    this.#decoder = decoder;
  }

  /** The Go decoder, once in MODE_GO. */
  get go(): GoFrameDecoder | null {
    return this.mode === MODE_GO ? this.#decoder as GoFrameDecoder : null;
  }
  set go(decoder: GoFrameDecoder | null) {
    this.#decoder = decoder;
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
   * @param epochMs The server's epoch, on its clock.
   * @returns The client's info (the name must be set).
   */
  info(epochMs: number): ClientInfo {
    return {
      id: this.id,
      name: this.name ?? "",
      protocol: this.protocol,
      remoteAddr: this.conn.remoteAddr,
      connectedAt: epochMs + this.connectedMs,
      lastSeenAt: epochMs + this.seenMs,
    };
  }

  /**
   * Moves the session's times to an epoch `shiftMs` later.
   *
   * @param shiftMs How far the epoch moves forward, in milliseconds.
   */
  rebase(shiftMs: number): void {
    this.connectedMs -= shiftMs;
    this.seenMs -= shiftMs;
    // A ping this old no longer counts against the next one.
    this.pingMs = this.pingMs - shiftMs < -SESSION_REBASE_MS
      ? NEVER
      : this.pingMs - shiftMs;
  }
}
