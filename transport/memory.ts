/**
 * An in-process network: a {@link Transport} and a {@link Dialer} whose
 * connections are pairs of objects in one process, with the same semantics
 * as TCP connections through the seam (bytes arrive later and in order,
 * `end()` sends what is queued and then closes both sides, `destroy()`
 * drops what is queued, `closed` runs once per side). For tests of the
 * client and the server that need no sockets.
 *
 * @module
 */

import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Dialed,
  type Dialer,
  type DialOptions,
  MAX_BYTES_AFTER_END,
  type Transport,
  type TransportAddr,
  type TransportConn,
  type TransportInfo,
  type TransportListener,
  type TransportListenOptions,
} from "./types.ts";

const encoder = new TextEncoder();

/** An in-process network: listen on it with `transport`, connect with `dialer`. */
export interface MemoryNetwork {
  /** Listens on the network. */
  readonly transport: Transport;
  /** Connects to listeners on the network. */
  readonly dialer: Dialer;
  /** The number of connections open on the network (both sides counted). */
  readonly openConnections: number;
}

interface Endpoint {
  handler: ConnectionHandler<unknown>;
  maxWrite: number;
  addr: TransportAddr;
}

/**
 * Creates an empty in-process network. Ports are numbers from 1 on;
 * listening on port 0 picks a free one.
 *
 * @returns The network.
 *
 * @example Echo one line through an in-process connection
 * ```ts
 * import { memoryNetwork } from "@lifeline/lifeline/transport";
 * const network = memoryNetwork();
 * const decoder = new TextDecoder();
 * const listener = await network.transport.listen({ hostname: "memory", port: 0 }, {
 *   open: (conn) => conn,
 *   data: (conn, chunk) => conn.write(decoder.decode(chunk)),
 *   closed: () => {},
 * });
 * const echoed = Promise.withResolvers<string>();
 * const { conn } = await network.dialer.dial({ hostname: "memory", port: listener.addr.port }, {
 *   open: () => null,
 *   data: (_, chunk) => echoed.resolve(decoder.decode(chunk)),
 *   closed: () => {},
 * });
 * conn.write("hello\n");
 * console.log(await echoed.promise); // "hello\n"
 * conn.destroy();
 * await listener.close();
 * ```
 */
export function memoryNetwork(): MemoryNetwork {
  const listeners = new Map<number, Endpoint>();
  let nextPort = 1;
  let nextClientPort = 50_000;
  const counter = { open: 0 };
  const info: TransportInfo = { name: "memory", connectionLimit: Infinity };
  const transport: Transport = {
    name: "memory",
    listen<S>(
      options: TransportListenOptions,
      handler: ConnectionHandler<S>,
    ): Promise<TransportListener> {
      let port = options.port;
      if (port === 0) {
        while (listeners.has(nextPort)) nextPort++;
        port = nextPort++;
      }
      if (listeners.has(port)) {
        return Promise.reject(
          new Error(`Cannot listen on memory port ${port}: address in use`),
        );
      }
      const addr = { hostname: options.hostname, port };
      listeners.set(port, {
        handler: handler as ConnectionHandler<unknown>,
        maxWrite: options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
        addr,
      });
      return Promise.resolve({
        addr,
        info,
        close(): Promise<void> {
          listeners.delete(port);
          return Promise.resolve();
        },
      });
    },
  };
  const dialer: Dialer = {
    name: "memory",
    dial<S>(
      options: DialOptions,
      handler: ConnectionHandler<S>,
    ): Promise<Dialed> {
      if (options.signal?.aborted) {
        return Promise.reject(
          options.signal.reason ?? new DOMException("Aborted", "AbortError"),
        );
      }
      const server = listeners.get(options.port);
      if (server === undefined) {
        return Promise.reject(
          new Error(
            `Cannot connect to memory port ${options.port}: connection refused`,
          ),
        );
      }
      const localAddr = { hostname: "memory", port: nextClientPort++ };
      const client = new MemoryConn(
        handler as ConnectionHandler<unknown>,
        options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
        server.addr,
        counter,
      );
      const accepted = new MemoryConn(
        server.handler,
        server.maxWrite,
        localAddr,
        counter,
      );
      client.peer = accepted;
      accepted.peer = client;
      accepted.open();
      client.open();
      return Promise.resolve({ conn: client, localAddr });
    },
  };
  return {
    transport,
    dialer,
    get openConnections(): number {
      return counter.open;
    },
  };
}

class MemoryConn implements TransportConn {
  readonly remoteAddr: TransportAddr;
  peer: MemoryConn | null = null;
  #handler: ConnectionHandler<unknown>;
  #state: unknown = null;
  #maxWrite: number;
  #counter: { open: number };
  // Chunks on their way to the peer, with their total size.
  #inFlight: Uint8Array[] = [];
  #inFlightBytes = 0;
  #deliveryScheduled = false;
  #ending = false;
  // Bytes received since end(), thrown away.
  #discarded = 0;
  #closed = false;

  constructor(
    handler: ConnectionHandler<unknown>,
    maxWrite: number,
    remoteAddr: TransportAddr,
    counter: { open: number },
  ) {
    this.#handler = handler;
    this.#maxWrite = maxWrite;
    this.remoteAddr = remoteAddr;
    this.#counter = counter;
  }

  get bufferedBytes(): number {
    return this.#inFlightBytes;
  }

  open(): void {
    this.#counter.open++;
    this.#state = this.#handler.open(this);
  }

  write(text: string): void {
    if (this.#closed || this.#ending || text === "") return;
    const bytes = encoder.encode(text);
    this.#inFlight.push(bytes);
    this.#inFlightBytes += bytes.length;
    if (this.#inFlightBytes > this.#maxWrite) {
      this.destroy();
      return;
    }
    this.#scheduleDelivery();
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.#scheduleDelivery();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#close();
    const peer = this.peer;
    if (peer !== null) peer.#close();
  }

  #scheduleDelivery(): void {
    if (this.#deliveryScheduled) return;
    this.#deliveryScheduled = true;
    setTimeout(() => this.#deliver(), 0);
  }

  #deliver(): void {
    this.#deliveryScheduled = false;
    if (this.#closed) return;
    const chunks = this.#inFlight;
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    for (const chunk of chunks) {
      const peer = this.peer;
      if (this.#closed || peer === null) return;
      peer.#receive(chunk);
    }
    // The peer reads the FIN after the data and closes, as a TCP peer with
    // allowHalfOpen off does: both sides are then closed.
    if (this.#ending && !this.#closed) this.destroy();
  }

  #receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#ending) {
      this.#handler.data(this.#state, chunk);
      return;
    }
    // After end(), as a socket does: thrown away, and a peer that sends
    // too much is cut.
    this.#discarded += chunk.length;
    if (this.#discarded > MAX_BYTES_AFTER_END) this.destroy();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    // As on a socket, `closed` comes later, never inside the call that
    // closed the connection.
    setTimeout(() => {
      this.#counter.open--;
      this.#handler.closed(this.#state);
    }, 0);
  }
}
