/**
 * What both kinds of node transport connection share: their fields, the
 * delivery of a read to the handler, and the batching of writes made in one
 * tick into one write per connection.
 *
 * @module
 */

import { packIpv4, unpackIpv4 } from "./_ipv4.ts";
import type {
  ConnectionHandler,
  TransportAddr,
  TransportConn,
} from "./transport.ts";

/** What every connection of one listener shares. */
export interface Shared {
  /** The listener's handler. */
  readonly handler: ConnectionHandler<unknown>;
  /** The most bytes a connection may have waiting to be written. */
  readonly maxWrite: number;
}

/** A connection whose writes are batched. */
export interface BatchedConn {
  /** The listener's shared part. */
  readonly shared: Shared;
  /** The handler's per-connection state. */
  state: unknown;
  /** {@link DESTROYED} and other bits; any bit set stops writes. */
  flags: number;
  /** Text written in this tick, not yet handed to the socket. */
  queued: string;
  /** Hands what is queued to the socket. */
  flush(): void;
}

/** Flag bit: the connection is destroyed (or closed by the peer). */
export const DESTROYED = 1;
/** Flag bit: `end()` was called. */
export const ENDING = 2;

// Writes made in the same tick go out as one write per connection: the
// connections with something queued wait here for one shared microtask.
// A connection's writes made while its own read is handled need no place
// here: deliver() writes them out when the handler returns.
let dirty: BatchedConn[] = [];
let reading: BatchedConn | null = null;
const FLUSH_AT = 16 * 1024;

function flushAll(): void {
  const conns = dirty;
  dirty = [];
  for (const conn of conns) conn.flush();
}

/**
 * Queues text on a connection, to be flushed at the end of its read or in
 * this tick's microtask, or at once past 16 KiB.
 *
 * @param conn The connection, with no flag set.
 * @param text The text.
 *
 * @example
 * ```ts
 * import { queueText } from "./_write_batch.ts";
 * const conn = {
 *   shared: {} as never, state: null, flags: 0, queued: "",
 *   flush() { console.log(JSON.stringify(this.queued)); this.queued = ""; },
 * };
 * queueText(conn, "a");
 * queueText(conn, "b");
 * await Promise.resolve(); // "ab"
 * ```
 */
export function queueText(conn: BatchedConn, text: string): void {
  if (conn.queued === "" && reading !== conn) {
    if (dirty.length === 0) queueMicrotask(flushAll);
    dirty.push(conn);
  }
  conn.queued += text;
  // Reads may come in a synchronous burst: do not let the batch grow.
  if (conn.queued.length >= FLUSH_AT) conn.flush();
}

/**
 * Hands a read to the handler, then writes out at once what the handler
 * queued in answer: waiting for the shared flush would hold it until every
 * other connection with data in this turn of the event loop was served
 * (tens of ms at 19k clients).
 *
 * @param conn The connection, or `undefined` once it is forgotten.
 * @param chunk The bytes, valid during the call only.
 *
 * @example
 * ```ts
 * import { deliver } from "./_write_batch.ts";
 * deliver(undefined, new Uint8Array(1)); // nothing to deliver to
 * ```
 */
export function deliver(
  conn: BatchedConn | undefined,
  chunk: Uint8Array,
): void {
  if (conn !== undefined && (conn.flags & DESTROYED) === 0) {
    reading = conn;
    try {
      conn.shared.handler.data(conn.state, chunk);
    } finally {
      reading = null;
      if (conn.queued !== "") conn.flush();
    }
  }
}

/**
 * The part of a node transport connection that does not depend on what it
 * runs on. Kept small on purpose: one lives as long as its connection, so
 * every field is paid 10,000 times over (see bench/RESULTS.md).
 *
 * @example A connection that hands its writes to an array
 * ```ts
 * import { BatchedConnBase } from "./_write_batch.ts";
 * class ArrayConn extends BatchedConnBase {
 *   sent: string[] = [];
 *   protected get backlog(): number { return 0; }
 *   flush(): void { if (this.queued !== "") this.sent.push(this.queued); this.queued = ""; }
 *   end(): void {}
 *   destroy(): void {}
 *   setKeepAlive(): void {}
 *   setNoDelay(): void {}
 * }
 * const handler = { open: () => null, data: () => {}, closed: () => {} };
 * const conn = new ArrayConn({ handler, maxWrite: 1024 }, "10.0.0.1", 5000);
 * conn.write("a");
 * conn.write("b");
 * await Promise.resolve();
 * console.log(conn.sent, conn.remoteAddr.hostname); // ["ab"] "10.0.0.1"
 * ```
 */
export abstract class BatchedConnBase implements TransportConn, BatchedConn {
  /** The listener's shared part. */
  readonly shared: Shared;
  /** The handler's per-connection state. */
  state: unknown = null;
  /** {@link DESTROYED}, {@link ENDING} and the subclass's own bits. */
  flags = 0;
  /** Text written in this tick, not yet handed to the socket. */
  queued = "";
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

  /** Bytes handed to the socket and not written yet. */
  protected abstract get backlog(): number;

  /**
   * Queues text; past the write limit, destroys the connection.
   *
   * @param text The text.
   */
  write(text: string): void {
    if (this.flags !== 0) return;
    queueText(this, text);
    if (this.queued.length + this.backlog > this.shared.maxWrite) {
      this.destroy();
    }
  }

  /** Hands what is queued to the socket. */
  abstract flush(): void;
  /** Sends what is queued, then FIN. */
  abstract end(): void;
  /** Closes at once. */
  abstract destroy(): void;
  /**
   * Turns TCP keepalive on or off.
   *
   * @param enable Whether keepalive probes are sent.
   * @param initialDelayMs Idle time before the first probe.
   */
  abstract setKeepAlive(enable: boolean, initialDelayMs?: number): void;
  /**
   * Turns Nagle's algorithm off (`true`) or on.
   *
   * @param enable Whether to send small writes at once.
   */
  abstract setNoDelay(enable: boolean): void;
}
