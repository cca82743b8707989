/**
 * What both kinds of node transport connection (bare handle and
 * `net.Socket`) share: their fields, the write limit, and the hand-over of
 * a read to the handler.
 *
 * @module
 */

import {
  deliver,
  NOT_COUNTED,
  pastWriteLimit,
  queueText,
} from "../_write_batch.ts";
import {
  type ConnectionHandler,
  MAX_BYTES_AFTER_END,
  type TransportAddr,
  type TransportConn,
} from "../types.ts";
import { packIpv4, unpackIpv4 } from "./_ipv4.ts";

/** What every connection of one listener shares. */
export interface Shared {
  /** The listener's handler. */
  readonly handler: ConnectionHandler<unknown>;
  /** The most bytes a connection may have waiting to be written. */
  readonly maxWrite: number;
}

/** Flag bit: the connection is destroyed (or closed by the peer). */
export const DESTROYED = 1;
/** Flag bit: `end()` was called. */
export const ENDING = 2;
/**
 * The flags above their low bits count the bytes read (and thrown away)
 * since `end()`, in units of this value: one field less per connection.
 */
const DISCARDED_UNIT = 16;

/**
 * The part of a node transport connection that does not depend on what it
 * runs on. Kept small on purpose: one lives as long as its connection, so
 * every field is paid once per connection (see bench/RESULTS.md).
 *
 * @example A connection that hands its writes to an array
 * ```ts
 * import { NodeConnBase } from "./_conn_base.ts";
 * class ArrayConn extends NodeConnBase {
 *   sent: string[] = [];
 *   protected get backlog(): number { return 0; }
 *   flush(): void {
 *     if (this.queued !== "") this.sent.push(this.queued);
 *     this.queued = "";
 *     this.queuedBytes = -1;
 *   }
 *   end(): void {}
 *   destroy(): void {}
 * }
 * const handler = { open: () => null, data: () => {}, closed: () => {} };
 * const conn = new ArrayConn({ handler, maxWrite: 1024 }, "10.0.0.1", 5000);
 * conn.write("a");
 * conn.write("b");
 * await Promise.resolve();
 * console.log(conn.sent, conn.remoteAddr.hostname); // ["ab"] "10.0.0.1"
 * ```
 */
export abstract class NodeConnBase implements TransportConn {
  /** The listener's shared part. */
  readonly shared: Shared;
  /** The handler's per-connection state. */
  state: unknown = null;
  /**
   * {@link DESTROYED}, {@link ENDING} and the subclass's own bits (below
   * 16); after `end()`, the bytes read since, times 16.
   */
  flags = 0;
  /** Text written in this tick, not yet handed to the socket. */
  queued = "";
  /** Its UTF-8 bytes, once counted (see `_write_batch.ts`). */
  queuedBytes = NOT_COUNTED;
  /** The peer's host: an IPv4 address packed by {@link packIpv4}, or text. */
  readonly peerHost: number | string;
  /** The peer's port. */
  readonly peerPort: number;

  /**
   * Creates the connection.
   *
   * @param shared The listener's shared part.
   * @param address The peer's address, read once while the socket is open
   * and kept as a small value instead of the runtime's cached object.
   * @param port The peer's port.
   */
  constructor(shared: Shared, address: string, port: number) {
    this.shared = shared;
    this.peerHost = packIpv4(address) ?? address;
    this.peerPort = port;
  }

  /** The peer's address, rebuilt from the packed fields. */
  get remoteAddr(): TransportAddr {
    const host = this.peerHost;
    return {
      hostname: typeof host === "number" ? unpackIpv4(host) : host,
      port: this.peerPort,
    };
  }

  /** Bytes (of UTF-8) handed to the socket and not written yet. */
  protected abstract get backlog(): number;

  /** Bytes queued in this tick plus those handed to the socket and pending. */
  get bufferedBytes(): number {
    return this.queued.length + this.backlog;
  }

  /**
   * Queues text; past the write limit, destroys the connection.
   *
   * @param text The text.
   */
  write(text: string): void {
    if (this.flags !== 0) return;
    queueText(this, text);
    if (pastWriteLimit(this, this.backlog, this.shared.maxWrite)) {
      this.destroy();
    }
  }

  /**
   * Hands a read to the handler, then writes out what it queued in answer.
   * After `end()` the bytes are thrown away, and past
   * {@link MAX_BYTES_AFTER_END} of them the connection is destroyed.
   *
   * @param chunk The bytes, valid during the call only.
   */
  received(chunk: Uint8Array): void {
    const flags = this.flags;
    if ((flags & (DESTROYED | ENDING)) === 0) {
      deliver(this, this.shared.handler, this.state, chunk);
    } else if ((flags & DESTROYED) === 0) {
      this.flags = flags + chunk.length * DISCARDED_UNIT;
      if (this.flags / DISCARDED_UNIT > MAX_BYTES_AFTER_END) this.destroy();
    }
  }

  /** Hands what is queued to the socket. */
  abstract flush(): void;
  /** Sends what is queued, then FIN. */
  abstract end(): void;
  /** Closes at once. */
  abstract destroy(): void;
}
