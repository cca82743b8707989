/**
 * The Deno transport: `Deno.listen` for servers, `Deno.connect` for
 * clients. One read loop per connection into a small buffer of its own;
 * writes batched per tick, at most one write in flight, text queued
 * meanwhile sent as one write.
 *
 * @module
 */

import { connectionsThatFit } from "./_open_file_limit.ts";
import {
  deliver,
  NOT_COUNTED,
  pastWriteLimit,
  queueText,
  takeQueued,
} from "./_write_batch.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Dialed,
  type Dialer,
  type DialOptions,
  MAX_BYTES_AFTER_END,
  type TlsDialOptions,
  type Transport,
  type TransportAddr,
  type TransportConn,
  type TransportInfo,
  type TransportListener,
  type TransportListenOptions,
} from "./types.ts";

/** Options for {@link denoTransport} and {@link denoDialer}. */
export interface DenoTransportOptions {
  /**
   * The size of each connection's read buffer, in bytes.
   * @default {1024 for a server's connections, 65536 for a client's}
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
 * import { denoTransport } from "@lifeline/lifeline/transport";
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
      if (listenOptions.reusePort === true) {
        return Promise.reject(
          new TypeError(
            "Cannot share a port on the deno transport (Deno.listen's reusePort is unstable): use the node transport",
          ),
        );
      }
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

/** Options for {@link denoDialer}. */
export interface DenoDialerOptions extends DenoTransportOptions {
  /**
   * Speak TLS (`Deno.startTls` over the TCP connection): `true` trusts the
   * runtime's store and checks the host's name.
   * @default {false}
   */
  tls?: boolean | TlsDialOptions;
}

/**
 * Creates the `Deno.connect` dialer, the client's default. Every connection
 * gets `setKeepAlive(true)` and `setNoDelay(true)`; with `tls`, the TLS
 * handshake is done (and the server's certificate checked) before `dial`
 * resolves, so a certificate that cannot be trusted fails the dial.
 *
 * @param options The read buffer size, TLS.
 * @returns The dialer.
 *
 * @example Dial a listener
 * ```ts
 * import { denoDialer, denoTransport } from "@lifeline/lifeline/transport";
 * const handler = { open: () => null, data: () => {}, closed: () => {} };
 * const listener = await denoTransport().listen({ hostname: "127.0.0.1", port: 0 }, handler);
 * const { conn } = await denoDialer().dial({ hostname: "127.0.0.1", port: listener.addr.port }, handler);
 * console.log(conn.remoteAddr.port === listener.addr.port); // true
 * conn.destroy();
 * await listener.close();
 * ```
 *
 * @example A TLS dial to a server that is not TLS fails the dial
 * ```ts
 * import { denoDialer, denoTransport } from "@lifeline/lifeline/transport";
 * const handler = { open: () => null, data: () => {}, closed: () => {} };
 * const listener = await denoTransport().listen({ hostname: "127.0.0.1", port: 0 }, {
 *   open: (conn) => conn,
 *   data: (conn) => conn.write("not TLS\n"),
 *   closed: () => {},
 * });
 * const dialer = denoDialer({ tls: { serverName: "localhost" } });
 * try {
 *   await dialer.dial({ hostname: "127.0.0.1", port: listener.addr.port }, handler);
 * } catch (error) {
 *   console.log((error as Error).message.startsWith("TLS handshake with 127.0.0.1")); // true
 * }
 * await listener.close();
 * ```
 */
export function denoDialer(options: DenoDialerOptions = {}): Dialer {
  const readBufferBytes = options.readBufferBytes ?? 65536;
  const tls = options.tls === true ? {} : options.tls || undefined;
  return {
    name: "deno",
    async dial<S>(
      dialOptions: DialOptions,
      handler: ConnectionHandler<S>,
    ): Promise<Dialed> {
      const tcp = await Deno.connect({
        hostname: dialOptions.hostname,
        port: dialOptions.port,
        signal: dialOptions.signal,
      });
      let localAddr: TransportAddr = { hostname: "", port: 0 };
      try {
        tcp.setKeepAlive(true);
        tcp.setNoDelay(true);
        localAddr = {
          hostname: tcp.localAddr.hostname,
          port: tcp.localAddr.port,
        };
      } catch {
        // Not available once the peer is gone; the read loop will notice.
      }
      const conn = tls === undefined
        ? tcp
        : await handshake(tcp, dialOptions, tls);
      const dialed = new DenoConn(conn, handler, {
        readBufferBytes,
        maxWriteBufferBytes: dialOptions.maxWriteBufferBytes ??
          DEFAULT_MAX_WRITE_BUFFER_BYTES,
      });
      return { conn: dialed, localAddr };
    },
  };
}

/** Starts TLS on a TCP connection and completes the handshake. */
async function handshake(
  tcp: Deno.TcpConn,
  dial: DialOptions,
  tls: TlsDialOptions,
): Promise<Deno.TlsConn> {
  const serverName = tls.serverName ?? dial.hostname;
  const onAbort = () => tcp.close();
  dial.signal?.addEventListener("abort", onAbort, { once: true });
  let conn: Deno.TlsConn | undefined;
  try {
    conn = await Deno.startTls(tcp, {
      hostname: serverName,
      caCerts: tls.caCerts ?? [],
    });
    await conn.handshake();
    return conn;
  } catch (error) {
    try {
      (conn ?? tcp).close();
    } catch {
      // Closed by the abort, or by the failed handshake.
    }
    dial.signal?.throwIfAborted();
    throw new Error(tlsFailure(dial, serverName, error));
  } finally {
    dial.signal?.removeEventListener("abort", onAbort);
  }
}

/** A handshake failure in words, with what to do about it. */
function tlsFailure(
  dial: DialOptions,
  serverName: string,
  error: unknown,
): string {
  const message = error instanceof Error ? error.message : String(error);
  const where = `TLS handshake with ${dial.hostname}:${dial.port} failed`;
  if (/UnknownIssuer|unknown ?ca|self.signed/i.test(message)) {
    return `${where}: the server's certificate is not signed by a trusted authority (${message}); give the CA that signed it (--ca FILE, or tls.caCerts)`;
  }
  if (/not valid for name|NotValidForName/i.test(message)) {
    return `${where}: the server's certificate is not valid for "${serverName}" (${message}); --server-name (tls.serverName) sets the name checked`;
  }
  return `${where}: ${message}`;
}

interface ConnSettings {
  readBufferBytes: number;
  maxWriteBufferBytes: number;
}

class DenoListener<S> implements TransportListener {
  readonly addr: TransportAddr;
  readonly info: TransportInfo;
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
    this.info = { name: "deno", connectionLimit: connectionsThatFit() };
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

class DenoConn<S> implements TransportConn {
  readonly remoteAddr: TransportAddr;
  /** Text written in this tick, not yet handed to the write pump. */
  queued = "";
  /** Its UTF-8 bytes, once counted (see `_write_batch.ts`). */
  queuedBytes = NOT_COUNTED;
  #conn: Deno.TcpConn | Deno.TlsConn;
  #handler: ConnectionHandler<S>;
  #state: S;
  #settings: ConnSettings;
  #inFlightBytes = 0;
  #pump: Promise<void> | null = null;
  #ending = false;
  // Bytes read since end(), thrown away.
  #discarded = 0;
  #closed = false;
  #error: Error | undefined;

  constructor(
    conn: Deno.TcpConn | Deno.TlsConn,
    handler: ConnectionHandler<S>,
    settings: ConnSettings,
  ) {
    this.#conn = conn;
    this.#handler = handler;
    this.#settings = settings;
    const addr = conn.remoteAddr;
    this.remoteAddr = { hostname: addr.hostname, port: addr.port };
    // A TLS connection's TCP socket got them before its handshake.
    if ("setKeepAlive" in conn) {
      try {
        conn.setKeepAlive(true);
        conn.setNoDelay(true);
      } catch {
        // The peer may already be gone; the read loop will notice.
      }
    }
    this.#state = handler.open(this);
    this.#read();
  }

  get bufferedBytes(): number {
    return this.queued.length + this.#inFlightBytes;
  }

  write(text: string): void {
    if (this.#closed || this.#ending) return;
    queueText(this, text);
    if (
      pastWriteLimit(
        this,
        this.#inFlightBytes,
        this.#settings.maxWriteBufferBytes,
      )
    ) {
      this.destroy();
    }
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.flush();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    takeQueued(this);
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  /** Starts writing what is queued, unless a write is in flight. */
  flush(): void {
    if (this.#pump === null && !this.#closed) this.#pump = this.#write();
  }

  async #write(): Promise<void> {
    try {
      while (this.queued.length > 0 && !this.#closed) {
        const bytes = encoder.encode(takeQueued(this));
        this.#inFlightBytes = bytes.length;
        let offset = 0;
        while (offset < bytes.length) {
          offset += await this.#conn.write(bytes.subarray(offset));
        }
        this.#inFlightBytes = 0;
      }
      if (this.#ending && !this.#closed) await this.#conn.closeWrite();
    } catch (error) {
      if (!this.#closed) this.#error ??= asError(error);
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
      } catch (error) {
        // Reset by the peer, or destroyed: either way the connection is over.
        if (!this.#closed) this.#error ??= asError(error);
        break;
      }
      if (n === null) break;
      if (n === 0 || this.#closed) continue;
      if (this.#ending) {
        // After end(): read only to see the peer close.
        this.#discarded += n;
        if (this.#discarded > MAX_BYTES_AFTER_END) this.destroy();
        continue;
      }
      // Outside the try: an exception in the handler is a bug, not a
      // network event, and must not pass for a closed connection.
      deliver(this, this.#handler, this.#state, buffer.subarray(0, n));
    }
    this.destroy();
    if (this.#pump !== null) await this.#pump;
    this.#handler.closed(this.#state, this.#error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
