/**
 * The transport seam: the only place the server touches sockets. A
 * transport accepts connections, hands their bytes to a
 * {@link ConnectionHandler} as they arrive, and offers a queued, never
 * blocking `write`, a graceful `end` and an immediate `destroy`. The
 * protocol and the heartbeat registry live above it and never see a socket.
 *
 * Two implementations exist: `deno_transport.ts` (`Deno.listen`, one read
 * loop per connection) and `node_transport.ts` (`node:net`'s native TCP
 * handles without `net.Socket`, reads into one shared buffer).
 *
 * @module
 */

/** A network address of a peer or a listener. */
export interface TransportAddr {
  /** The IP address, for example `"127.0.0.1"` or `"::1"`. */
  hostname: string;
  /** The TCP port. */
  port: number;
}

/** One accepted connection, as the server sees it. */
export interface TransportConn {
  /** The peer's address. */
  readonly remoteAddr: TransportAddr;
  /**
   * Queues text for the peer (UTF-8). Never blocks and never interleaves
   * with other writes; writes made in the same tick may go out as one.
   * A peer that lets more than the transport's write limit pile up is
   * destroyed. Writing after `end()` or `destroy()` does nothing.
   *
   * @param text The bytes to send, as text.
   */
  write(text: string): void;
  /**
   * Sends what is queued, then half-closes (FIN) the connection. Reading
   * goes on until the peer closes or `destroy()` is called.
   */
  end(): void;
  /** Closes the connection at once, dropping anything still queued. */
  destroy(): void;
  /**
   * Turns TCP keepalive on or off.
   *
   * @param enable Whether keepalive probes are sent.
   * @param initialDelayMs Idle time before the first probe (TCP_KEEPIDLE),
   * where the transport supports it; `0` keeps the system default.
   */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void;
  /**
   * Turns Nagle's algorithm off (`true`) or on.
   *
   * @param enable Whether to send small writes at once.
   */
  setNoDelay(enable: boolean): void;
}

/**
 * What a transport calls for each connection. `open` returns the caller's
 * per-connection state, which `data` and `closed` then receive, so a
 * transport never allocates a closure per connection or per chunk.
 *
 * @typeParam S The caller's per-connection state.
 */
export interface ConnectionHandler<S> {
  /**
   * A connection was accepted (keepalive and no-delay are already on).
   *
   * @param conn The connection.
   * @returns The state to pass to `data` and `closed`.
   */
  open(conn: TransportConn): S;
  /**
   * Bytes arrived. The chunk is only valid during the call: the transport
   * may reuse its memory for the next read.
   *
   * @param state What `open` returned.
   * @param chunk The bytes.
   */
  data(state: S, chunk: Uint8Array): void;
  /**
   * The connection is closed (by either side, or destroyed). Called exactly
   * once per connection, after which the transport forgets it.
   *
   * @param state What `open` returned.
   */
  closed(state: S): void;
}

/** Where and how to listen. */
export interface TransportListenOptions {
  /** The address to listen on. */
  hostname: string;
  /** The port to listen on; `0` picks a free one. */
  port: number;
  /**
   * Idle time before the first TCP keepalive probe, in milliseconds, where
   * supported (`node:net` only); `0` keeps the system default.
   * @default {0}
   */
  keepAliveInitialDelayMs?: number;
  /**
   * The most bytes a connection may have queued for writing before it is
   * destroyed as a slow consumer.
   * @default {1048576}
   */
  maxWriteBufferBytes?: number;
}

/** A listening socket. */
export interface TransportListener {
  /** The address actually bound (with the real port when `0` was asked). */
  readonly addr: TransportAddr;
  /**
   * What the connections run on, where the transport has a choice (for the
   * log): `"bare handles"` or `"net.Socket"` for the node transport.
   */
  readonly detail?: string;
  /**
   * Stops accepting. Open connections are not touched.
   *
   * @returns A promise that settles once the listener is closed.
   */
  close(): Promise<void>;
}

/** A way to listen for TCP connections. */
export interface Transport {
  /** A short name: `"deno"` or `"node"`. */
  readonly name: string;
  /**
   * Starts listening.
   *
   * @param options Where to listen.
   * @param handler Called for every connection.
   * @returns The listener.
   */
  listen<S>(
    options: TransportListenOptions,
    handler: ConnectionHandler<S>,
  ): Promise<TransportListener>;
}

/**
 * The default {@link TransportListenOptions.maxWriteBufferBytes}: 1 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_WRITE_BUFFER_BYTES } from "@lifeline/lifeline/server";
 * console.log(DEFAULT_MAX_WRITE_BUFFER_BYTES); // 1048576
 * ```
 */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 1024 * 1024;
