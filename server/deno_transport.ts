/**
 * The `Deno.listen` transport: one read loop per connection into a small
 * buffer of its own, writes queued per connection and sent in order, at
 * most one write in flight, text queued meanwhile sent as one write.
 *
 * @module
 */

import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Transport,
  type TransportAddr,
  type TransportConn,
  type TransportListener,
  type TransportListenOptions,
} from "./transport.ts";

/** Options for {@link denoTransport}. */
export interface DenoTransportOptions {
  /**
   * The size of each connection's read buffer, in bytes.
   * @default {1024}
   */
  readBufferBytes?: number;
}

const encoder = new TextEncoder();

/**
 * Creates the `Deno.listen` transport. Every accepted connection gets
 * `setKeepAlive(true)` (with the system's idle time: `Deno.TcpConn` cannot
 * set TCP_KEEPIDLE) and `setNoDelay(true)`.
 *
 * @param options The read buffer size.
 * @returns The transport.
 *
 * @example Listen on a free port and close again
 * ```ts
 * import { denoTransport } from "@lifeline/lifeline/server";
 * const listener = await denoTransport().listen(
 *   { hostname: "127.0.0.1", port: 0 },
 *   { open: () => null, data: () => {}, closed: () => {} },
 * );
 * console.log(listener.addr.port > 0); // true
 * await listener.close();
 * ```
 */
export function denoTransport(options: DenoTransportOptions = {}): Transport {
  const readBufferBytes = options.readBufferBytes ?? 1024;
  return {
    name: "deno",
    listen<S>(
      listenOptions: TransportListenOptions,
      handler: ConnectionHandler<S>,
    ): Promise<TransportListener> {
      const listener = Deno.listen({
        hostname: listenOptions.hostname,
        port: listenOptions.port,
        transport: "tcp",
      });
      return Promise.resolve(
        new DenoListener(listener, handler, {
          readBufferBytes,
          maxWriteBufferBytes: listenOptions.maxWriteBufferBytes ??
            DEFAULT_MAX_WRITE_BUFFER_BYTES,
        }),
      );
    },
  };
}

interface ConnSettings {
  readBufferBytes: number;
  maxWriteBufferBytes: number;
}

class DenoListener<S> implements TransportListener {
  readonly addr: TransportAddr;
  #listener: Deno.TcpListener;
  #closed = false;
  #acceptLoop: Promise<void>;

  constructor(
    listener: Deno.TcpListener,
    handler: ConnectionHandler<S>,
    settings: ConnSettings,
  ) {
    this.#listener = listener;
    const addr = listener.addr;
    this.addr = { hostname: addr.hostname, port: addr.port };
    this.#acceptLoop = this.#accept(handler, settings);
  }

  async #accept(handler: ConnectionHandler<S>, settings: ConnSettings) {
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (
          this.#closed || error instanceof Deno.errors.BadResource ||
          error instanceof Deno.errors.Interrupted
        ) {
          return;
        }
        // EMFILE and friends: do not spin; try again shortly.
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      new DenoConn(conn, handler, settings);
    }
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch {
        // Already closed.
      }
    }
    await this.#acceptLoop;
  }
}

// Connections with writes queued in this tick wait here for one shared
// microtask, so what one tick writes goes out as one write per connection.
let dirty: DenoConn<unknown>[] = [];

function flushAll(): void {
  const conns = dirty;
  dirty = [];
  for (const conn of conns) conn.flush();
}

class DenoConn<S> implements TransportConn {
  readonly remoteAddr: TransportAddr;
  #conn: Deno.TcpConn;
  #handler: ConnectionHandler<S>;
  #state: S;
  #settings: ConnSettings;
  #queued = "";
  #inFlightBytes = 0;
  #pump: Promise<void> | null = null;
  /** Whether the connection waits in the shared flush list. */
  flushScheduled = false;
  #ending = false;
  #closed = false;

  constructor(
    conn: Deno.TcpConn,
    handler: ConnectionHandler<S>,
    settings: ConnSettings,
  ) {
    this.#conn = conn;
    this.#handler = handler;
    this.#settings = settings;
    const addr = conn.remoteAddr;
    this.remoteAddr = { hostname: addr.hostname, port: addr.port };
    try {
      conn.setKeepAlive(true);
      conn.setNoDelay(true);
    } catch {
      // The peer may already be gone; the read loop will notice.
    }
    this.#state = handler.open(this);
    this.#read();
  }

  write(text: string): void {
    if (this.#closed || this.#ending) return;
    this.#queued += text;
    if (
      this.#queued.length + this.#inFlightBytes >
        this.#settings.maxWriteBufferBytes
    ) {
      this.destroy();
      return;
    }
    this.#schedule();
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.#schedule();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queued = "";
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  setKeepAlive(enable: boolean, _initialDelayMs?: number): void {
    if (!this.#closed) this.#conn.setKeepAlive(enable);
  }

  setNoDelay(enable: boolean): void {
    if (!this.#closed) this.#conn.setNoDelay(enable);
  }

  #schedule(): void {
    if (this.#pump === null && !this.flushScheduled) {
      this.flushScheduled = true;
      if (dirty.length === 0) queueMicrotask(flushAll);
      dirty.push(this as DenoConn<unknown>);
    }
  }

  /** Starts writing what was queued in this tick, as one write. */
  flush(): void {
    this.flushScheduled = false;
    if (this.#pump === null && !this.#closed) this.#pump = this.#write();
  }

  async #write(): Promise<void> {
    try {
      while (this.#queued.length > 0 && !this.#closed) {
        const bytes = encoder.encode(this.#queued);
        this.#queued = "";
        this.#inFlightBytes = bytes.length;
        let offset = 0;
        while (offset < bytes.length) {
          offset += await this.#conn.write(bytes.subarray(offset));
        }
        this.#inFlightBytes = 0;
      }
      if (this.#ending && !this.#closed) await this.#conn.closeWrite();
    } catch {
      this.destroy();
    } finally {
      this.#inFlightBytes = 0;
      this.#pump = null;
    }
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(this.#settings.readBufferBytes);
    while (!this.#closed) {
      let n: number | null;
      try {
        n = await this.#conn.read(buffer);
      } catch {
        // Reset by the peer, or destroyed: either way the connection is over.
        break;
      }
      if (n === null) break;
      // Outside the try: an exception in the handler is a bug, not a
      // network event, and must not pass for a closed connection.
      if (n > 0 && !this.#closed) {
        this.#handler.data(this.#state, buffer.subarray(0, n));
        // The answers to this read go out now, as one write, not after every
        // other connection's read that completed in the same turn.
        if (this.flushScheduled) this.flush();
      }
    }
    this.destroy();
    if (this.#pump !== null) await this.#pump;
    this.#handler.closed(this.#state);
  }
}
