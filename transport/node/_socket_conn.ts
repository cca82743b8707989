/**
 * Connections on `net.Socket`s, read through `"data"` events: the node
 * transport's fallback where the runtime does not offer bare handles, or
 * where they are turned off.
 *
 * @module
 */

import type { Server, Socket } from "node:net";
import { takeQueued } from "../_write_batch.ts";
import { DESTROYED, ENDING, NodeConnBase, type Shared } from "./_conn_base.ts";

const encoder = new TextEncoder();

const CONN = Symbol("lifeline.conn");

interface TaggedSocket extends Socket {
  [CONN]?: SocketConn;
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

/** A connection on a `net.Socket`. */
class SocketConn extends NodeConnBase {
  #socket: Socket;

  constructor(socket: Socket, shared: Shared) {
    // Read once, while the handle is open (a closed socket no longer knows
    // its peer).
    const peer = readPeer(socket);
    super(shared, peer.address, peer.port);
    this.#socket = socket;
  }

  protected get backlog(): number {
    // Bytes: the socket is given bytes, not strings, whose writableLength
    // would be in UTF-16 code units.
    return this.#socket.writableLength;
  }

  /** Hands what was queued in this tick to the socket as one write. */
  flush(): void {
    const text = takeQueued(this);
    if (text !== "" && (this.flags & DESTROYED) === 0) {
      this.#socket.write(encoder.encode(text));
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
    takeQueued(this);
    this.#socket.destroy();
  }
}

function onData(this: TaggedSocket, chunk: Uint8Array): void {
  this[CONN]?.received(chunk);
}

const ERRORS = new WeakMap<Socket, Error>();

function onError(this: TaggedSocket, error: Error): void {
  // A reset or similar: "close" follows, which is where it is handled.
  ERRORS.set(this, error);
}

function onClose(this: TaggedSocket): void {
  const conn = this[CONN];
  if (conn === undefined) return;
  this[CONN] = undefined;
  conn.flags |= DESTROYED;
  conn.shared.handler.closed(conn.state, ERRORS.get(this));
}

/**
 * Serves a server's connections as `net.Socket`s: every accepted socket
 * gets no-delay, keepalive, and its bytes through `"data"` events. With
 * `secure`, the server is a `tls.Server`: the options are set on the TCP
 * socket as it is accepted, and the connection is served once its TLS
 * handshake is done (`"secureConnection"`).
 *
 * @param server The server, not yet listening.
 * @param shared The handler and write limit.
 * @param keepAliveDelayMs Idle time before the first keepalive probe.
 * @param secure Whether the server is a `tls.Server`.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { acceptSockets } from "./_socket_conn.ts";
 * const server = createServer();
 * const handler = { open: () => null, data: () => {}, closed: () => {} };
 * acceptSockets(server, { handler, maxWrite: 65536 }, 0);
 * ```
 */
export function acceptSockets(
  server: Server,
  shared: Shared,
  keepAliveDelayMs: number,
  secure = false,
): void {
  server.on("connection", (socket: Socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepAliveDelayMs);
    if (!secure) serve(socket, shared);
  });
  if (secure) {
    server.on("secureConnection", (socket: Socket) => serve(socket, shared));
  }
}

function serve(socket: Socket, shared: Shared): void {
  const conn = new SocketConn(socket, shared);
  (socket as TaggedSocket)[CONN] = conn;
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
  conn.state = shared.handler.open(conn);
}
