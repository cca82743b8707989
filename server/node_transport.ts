/**
 * The `node:net` transport: a native TCP wrap per connection that reads
 * only when data arrives, so an idle connection holds no pending read of
 * its own. Every read lands in one buffer shared by all connections (see
 * `_shared_buffer_reads.ts`), so a heartbeat costs no `Buffer` and no
 * `"data"` event; where the runtime's `node:net` cannot do that, reads come
 * as `"data"` events instead. Handlers are shared functions bound to no
 * connection: the per-connection state hangs off the socket.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { packIpv4, unpackIpv4 } from "./_ipv4.ts";
import { readIntoSharedBuffer } from "./_shared_buffer_reads.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Transport,
  type TransportAddr,
  type TransportConn,
  type TransportListener,
  type TransportListenOptions,
} from "./transport.ts";

const CONN = Symbol("lifeline.conn");

interface TaggedSocket extends Socket {
  [CONN]?: NodeConn;
}

/** What every connection of one listener shares. */
interface Shared {
  readonly handler: ConnectionHandler<unknown>;
  readonly maxWrite: number;
}

// NodeConn.flags bits.
const DESTROYED = 1;
const ENDING = 2;

/**
 * Creates the `node:net` transport. Every accepted socket gets
 * `setKeepAlive(true, keepAliveInitialDelayMs)` and `setNoDelay(true)`.
 *
 * @returns The transport.
 *
 * @example Listen on a free port and close again
 * ```ts
 * import { nodeTransport } from "@lifeline/lifeline/server";
 * const listener = await nodeTransport().listen(
 *   { hostname: "127.0.0.1", port: 0 },
 *   { open: () => null, data: () => {}, closed: () => {} },
 * );
 * console.log(listener.addr.port > 0); // true
 * await listener.close();
 * ```
 */
export function nodeTransport(): Transport {
  return {
    name: "node",
    listen<S>(
      options: TransportListenOptions,
      handler: ConnectionHandler<S>,
    ): Promise<TransportListener> {
      return listenNode(options, handler);
    },
  };
}

function listenNode<S>(
  options: TransportListenOptions,
  handler: ConnectionHandler<S>,
): Promise<TransportListener> {
  const maxWrite = options.maxWriteBufferBytes ??
    DEFAULT_MAX_WRITE_BUFFER_BYTES;
  const keepAliveDelay = options.keepAliveInitialDelayMs ?? 0;
  // Shared by every connection of this listener: a connection holds one
  // reference to it instead of a copy of each field.
  const shared: Shared = {
    handler: handler as ConnectionHandler<unknown>,
    maxWrite,
  };
  // Paused on accept, so that reads can be pointed at the shared buffer
  // before the first one starts.
  const server = createServer({ pauseOnConnect: true }, (socket: Socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepAliveDelay);
    const conn = new NodeConn(socket, shared);
    (socket as TaggedSocket)[CONN] = conn;
    if (!readIntoSharedBuffer(socket, sharedReadBuffer(), onSharedRead)) {
      socket.on("data", onData);
    }
    socket.on("error", onError);
    socket.on("close", onClose);
    conn.state = handler.open(conn);
    socket.resume();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.hostname, port: options.port }, () => {
      server.off("error", reject);
      resolve(new NodeListener(server));
    });
  });
}

// One read buffer for every connection of every listener: reads are handed
// out one at a time on this thread, and a handler keeps no bytes past its
// call (see ConnectionHandler.data).
const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer: Uint8Array | null = null;
// Views of its first n bytes, made once per length: heartbeats come in a
// few sizes, and a view per read would be the one allocation left per read.
const VIEWS_UP_TO = 4096;
const views = new Array<Uint8Array | undefined>(VIEWS_UP_TO + 1);

function sharedReadBuffer(): Uint8Array {
  return readBuffer ??= new Uint8Array(READ_BUFFER_BYTES);
}

function onSharedRead(
  this: Socket,
  bytesRead: number,
  buffer: Uint8Array,
): void {
  const chunk = bytesRead <= VIEWS_UP_TO && buffer === readBuffer
    ? views[bytesRead] ??= buffer.subarray(0, bytesRead)
    : buffer.subarray(0, bytesRead);
  deliver((this as TaggedSocket)[CONN], chunk);
}

function onData(this: TaggedSocket, chunk: Uint8Array): void {
  deliver(this[CONN], chunk);
}

function deliver(conn: NodeConn | undefined, chunk: Uint8Array): void {
  if (conn !== undefined && (conn.flags & DESTROYED) === 0) {
    reading = conn;
    try {
      conn.shared.handler.data(conn.state, chunk);
    } finally {
      reading = null;
      // The answers to this chunk go out now, as one write: waiting for the
      // shared flush would hold them until every other connection with data
      // in this turn of the event loop was served (tens of ms at 19k
      // clients).
      if (conn.queued !== "") conn.flush();
    }
  }
}

function onError(this: TaggedSocket): void {
  // A reset or similar: "close" follows, which is where it is handled.
}

function onClose(this: TaggedSocket): void {
  const conn = this[CONN];
  if (conn === undefined) return;
  this[CONN] = undefined;
  conn.flags |= DESTROYED;
  conn.shared.handler.closed(conn.state);
}

interface PeerName {
  address: string;
  port: number;
}

interface SocketInternals {
  _handle?: { getpeername?(out: Partial<PeerName>): number } | null;
}

/**
 * The peer's address without leaving a copy cached on the socket: asks the
 * native handle directly (as `socket.remoteAddress` does, minus the cache),
 * and falls back to the public getters where the handle has no such method.
 */
function readPeer(socket: Socket): PeerName {
  const handle = (socket as SocketInternals)._handle;
  if (typeof handle?.getpeername === "function") {
    const out: Partial<PeerName> = {};
    if (handle.getpeername(out) === 0 && typeof out.address === "string") {
      return { address: out.address, port: out.port ?? 0 };
    }
  }
  return { address: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
}

// Writes made in the same tick go out as one `socket.write` per connection:
// the connections with something queued wait here for one shared microtask.
// A connection's writes made while its own data event is handled need no
// place here: onData writes them out when the handler returns.
let dirty: NodeConn[] = [];
let reading: NodeConn | null = null;
const FLUSH_AT = 16 * 1024;

function scheduleFlush(conn: NodeConn): void {
  if (dirty.length === 0) queueMicrotask(flushAll);
  dirty.push(conn);
}

function flushAll(): void {
  const conns = dirty;
  dirty = [];
  for (const conn of conns) conn.flush();
}

class NodeListener implements TransportListener {
  readonly addr: TransportAddr;
  #server: Server;
  #closing: Promise<void> | null = null;

  constructor(server: Server) {
    this.#server = server;
    const addr = server.address();
    if (addr === null || typeof addr === "string") {
      throw new TypeError(`Cannot read the listener's address ${addr}`);
    }
    this.addr = { hostname: addr.address, port: addr.port };
  }

  close(): Promise<void> {
    // node:net settles close() only once every connection is gone too.
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }
}

// Kept small on purpose: one of these lives as long as its connection, so
// every field is paid 10,000 times over (see bench/RESULTS.md).
class NodeConn implements TransportConn {
  /** The handler and write limit of the listener. */
  readonly shared: Shared;
  /** The handler's per-connection state. */
  state: unknown = null;
  /** DESTROYED and ENDING bits. */
  flags = 0;
  /** Text written in this tick, not yet handed to the socket. */
  queued = "";
  /** The peer's host: an IPv4 address packed by {@link packIpv4}, or text. */
  readonly peerHost: number | string;
  /** The peer's port. */
  readonly peerPort: number;
  #socket: Socket;

  constructor(socket: Socket, shared: Shared) {
    this.#socket = socket;
    this.shared = shared;
    // Read once, while the handle is open (a closed socket no longer knows
    // its peer), and kept as two small values instead of the socket's cached
    // `{address, family, port}` object and its strings.
    const peer = readPeer(socket);
    this.peerHost = packIpv4(peer.address) ?? peer.address;
    this.peerPort = peer.port;
  }

  /** The peer's address, rebuilt from the packed fields. */
  get remoteAddr(): TransportAddr {
    const host = this.peerHost;
    return {
      hostname: typeof host === "number" ? unpackIpv4(host) : host,
      port: this.peerPort,
    };
  }

  write(text: string): void {
    if (this.flags !== 0) return;
    if (this.queued === "" && reading !== this) scheduleFlush(this);
    this.queued += text;
    // Data events may come in a synchronous burst: do not let the batch grow.
    if (this.queued.length >= FLUSH_AT) this.flush();
    if (
      this.queued.length + this.#socket.writableLength > this.shared.maxWrite
    ) {
      this.destroy();
    }
  }

  /** Hands what was queued in this tick to the socket as one write. */
  flush(): void {
    const text = this.queued;
    this.queued = "";
    if (text !== "" && (this.flags & DESTROYED) === 0) {
      this.#socket.write(text);
    }
  }

  end(): void {
    if (this.flags !== 0) return;
    this.flush();
    this.flags |= ENDING;
    this.#socket.end();
  }

  destroy(): void {
    if ((this.flags & DESTROYED) !== 0) return;
    this.flags |= DESTROYED;
    this.queued = "";
    this.#socket.destroy();
  }

  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    this.#socket.setKeepAlive(enable, initialDelayMs ?? 0);
  }

  setNoDelay(enable: boolean): void {
    this.#socket.setNoDelay(enable);
  }
}
