/**
 * The `node:net` transport. `net.Server` listens; each accepted connection
 * is a bare native TCP handle (see `_tcp_wrap.ts` and `_raw_conn.ts`) that
 * reads only when data arrives, into one buffer shared by every connection,
 * with no `net.Socket`, no stream and no event per read or write. Where the
 * runtime does not offer those handles, connections are `net.Socket`s read
 * through `"data"` events instead. Handlers are shared functions bound to
 * no connection: the per-connection state hangs off the handle or socket.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
import { acceptBareHandles } from "./_raw_conn.ts";
import { isAcceptingHandle, loadTcpWrap } from "./_tcp_wrap.ts";
import {
  BatchedConnBase,
  deliver,
  DESTROYED,
  ENDING,
  type Shared,
} from "./_write_batch.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Transport,
  type TransportAddr,
  type TransportListener,
  type TransportListenOptions,
} from "./transport.ts";

const CONN = Symbol("lifeline.conn");

interface TaggedSocket extends Socket {
  [CONN]?: NodeConn;
}

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
  const keepAliveDelay = options.keepAliveInitialDelayMs ?? 0;
  // Shared by every connection of this listener: a connection holds one
  // reference to it instead of a copy of each field.
  const shared: Shared = {
    handler: handler as ConnectionHandler<unknown>,
    maxWrite: options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
  };
  // Only reached where the listening handle cannot hand over bare handles.
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepAliveDelay);
    const conn = new NodeConn(socket, shared);
    (socket as TaggedSocket)[CONN] = conn;
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    conn.state = handler.open(conn);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.hostname, port: options.port }, () => {
      server.off("error", reject);
      const wrap = loadTcpWrap();
      const handle = (server as unknown as { _handle?: unknown })._handle;
      const bare = wrap !== null && isAcceptingHandle(handle);
      if (bare) acceptBareHandles(handle, wrap, shared, keepAliveDelay);
      resolve(new NodeListener(server, bare ? "bare handles" : "net.Socket"));
    });
  });
}

function onData(this: TaggedSocket, chunk: Uint8Array): void {
  deliver(this[CONN], chunk);
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

class NodeListener implements TransportListener {
  readonly addr: TransportAddr;
  readonly detail: string;
  #server: Server;
  #closing: Promise<void> | null = null;

  constructor(server: Server, detail: string) {
    this.#server = server;
    this.detail = detail;
    const addr = server.address();
    if (addr === null || typeof addr === "string") {
      throw new TypeError(`Cannot read the listener's address ${addr}`);
    }
    this.addr = { hostname: addr.address, port: addr.port };
  }

  close(): Promise<void> {
    // node:net settles close() once every net.Socket is gone too; bare
    // handles are not counted, so with them it settles at once.
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }
}

/** A connection on a `net.Socket` (the fallback). */
class NodeConn extends BatchedConnBase {
  #socket: Socket;

  constructor(socket: Socket, shared: Shared) {
    // Read once, while the handle is open (a closed socket no longer knows
    // its peer).
    const peer = readPeer(socket);
    super(shared, peer.address, peer.port);
    this.#socket = socket;
  }

  protected get backlog(): number {
    return this.#socket.writableLength;
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
