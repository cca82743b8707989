/**
 * The `node:net` transport: a native TCP wrap per connection that reads
 * into fresh buffers only when data arrives, so an idle connection holds no
 * pending read of its own. Handlers are shared functions bound to no
 * connection: the per-connection state hangs off the socket.
 *
 * @module
 */

import { createServer, type Server, type Socket } from "node:net";
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
  [CONN]?: NodeConn<unknown>;
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
  const maxWrite = options.maxWriteBufferBytes ??
    DEFAULT_MAX_WRITE_BUFFER_BYTES;
  const keepAliveDelay = options.keepAliveInitialDelayMs ?? 0;
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepAliveDelay);
    const conn = new NodeConn<S>(socket, handler, maxWrite);
    (socket as TaggedSocket)[CONN] = conn as NodeConn<unknown>;
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    conn.state = handler.open(conn);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.hostname, port: options.port }, () => {
      server.off("error", reject);
      resolve(new NodeListener(server));
    });
  });
}

function onData(this: TaggedSocket, chunk: Uint8Array): void {
  const conn = this[CONN];
  if (conn !== undefined && !conn.destroyed) {
    conn.handler.data(conn.state, chunk);
  }
}

function onError(this: TaggedSocket): void {
  // A reset or similar: "close" follows, which is where it is handled.
}

function onClose(this: TaggedSocket): void {
  const conn = this[CONN];
  if (conn === undefined) return;
  this[CONN] = undefined;
  conn.destroyed = true;
  conn.handler.closed(conn.state);
}

// Writes made in the same tick go out as one `socket.write` per connection:
// the connections with something queued wait here for one shared microtask.
let dirty: NodeConn<unknown>[] = [];
const FLUSH_AT = 16 * 1024;

function scheduleFlush(conn: NodeConn<unknown>): void {
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

class NodeConn<S> implements TransportConn {
  readonly remoteAddr: TransportAddr;
  readonly handler: ConnectionHandler<S>;
  state!: S;
  destroyed = false;
  /** Text written in this tick, not yet handed to the socket. */
  queued = "";
  #socket: Socket;
  #maxWrite: number;
  #ending = false;

  constructor(socket: Socket, handler: ConnectionHandler<S>, maxWrite: number) {
    this.#socket = socket;
    this.handler = handler;
    this.#maxWrite = maxWrite;
    this.remoteAddr = {
      hostname: socket.remoteAddress ?? "",
      port: socket.remotePort ?? 0,
    };
  }

  write(text: string): void {
    if (this.destroyed || this.#ending) return;
    if (this.queued === "") scheduleFlush(this as NodeConn<unknown>);
    this.queued += text;
    // Data events may come in a synchronous burst: do not let the batch grow.
    if (this.queued.length >= FLUSH_AT) this.flush();
    if (this.queued.length + this.#socket.writableLength > this.#maxWrite) {
      this.destroy();
    }
  }

  /** Hands what was queued in this tick to the socket as one write. */
  flush(): void {
    const text = this.queued;
    this.queued = "";
    if (text !== "" && !this.destroyed) this.#socket.write(text);
  }

  end(): void {
    if (this.destroyed || this.#ending) return;
    this.flush();
    this.#ending = true;
    this.#socket.end();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
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
