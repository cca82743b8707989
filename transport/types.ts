/**
 * The transport seam: the only place the server and the client touch
 * sockets. A transport accepts connections (a {@link Transport}) or makes
 * them (a {@link Dialer}), hands their bytes to a {@link ConnectionHandler}
 * as they arrive, and offers a queued, never blocking `write`, a graceful
 * `end` and an immediate `destroy`. The protocol and the liveness policies
 * live above it and never see a socket.
 *
 * Implementations: `transport/deno.ts` (`Deno.listen`, `Deno.connect`),
 * `transport/node/` (`node:net`'s native TCP handles without `net.Socket`,
 * TLS, and WebSocket on `node:http` with `ws`),
 * `transport/websocket_dialer.ts` (the standard `WebSocket`, in browsers
 * and in Deno), `transport/memory.ts` (in one process, for tests).
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

/** One connection, accepted or dialled. */
export interface TransportConn {
  /** The peer's address. */
  readonly remoteAddr: TransportAddr;
  /**
   * Bytes written and not yet taken by the kernel (queued in this tick, or
   * handed to the socket and pending): read-only, for metrics such as the
   * server's write-queue gauge. A transport that cannot tell leaves it out.
   */
  readonly bufferedBytes?: number;
  /**
   * Queues text for the peer (UTF-8). Never blocks and never interleaves
   * with other writes; writes made in the same tick may go out as one.
   * A peer that lets more than the transport's write limit pile up (in
   * bytes of UTF-8, not yet taken by the kernel) is destroyed. Writing
   * after `end()` or `destroy()` does nothing.
   *
   * @param text The bytes to send, as text.
   */
  write(text: string): void;
  /**
   * Sends what is queued, then half-closes (FIN) the connection. From then
   * on nothing more reaches the handler's `data`: the transport reads on
   * only to see the peer close, throws away what arrives, and destroys the
   * connection once more than {@link MAX_BYTES_AFTER_END} bytes have come
   * (a peer told to go away that keeps sending). `closed` follows when the
   * peer closes or the connection is destroyed.
   *
   * @param reason Why, when a `bye` said so (its reason, such as
   * `"timeout"`). A transport whose protocol closes with a reason carries
   * it (the WebSocket transport turns it into a close code and reason, see
   * `closeCodeFor`); a TCP transport has no place for it and ignores it.
   */
  end(reason?: string): void;
  /** Closes the connection at once, dropping anything still queued. */
  destroy(): void;
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
   * A connection is up (TCP keepalive and no-delay are already on).
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
   * @param error Why, when it did not end cleanly (a reset, a failed read
   * or write); `undefined` after a FIN or `destroy()`.
   */
  closed(state: S, error?: Error): void;
}

/** Where and how to listen. */
export interface TransportListenOptions {
  /** The address to listen on. */
  hostname: string;
  /** The port to listen on; `0` picks a free one. */
  port: number;
  /**
   * Whether several processes may listen on the same port (SO_REUSEPORT),
   * the kernel spreading the connections among them.
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * The most bytes (of UTF-8) a connection may have queued for writing
   * before it is destroyed as a slow consumer.
   * @default {1048576}
   */
  maxWriteBufferBytes?: number;
}

/** Read-only facts about a transport, for logs and diagnostics. */
export interface TransportInfo {
  /** A short name: `"deno"`, `"node"`, `"memory"` or a custom one. */
  readonly name: string;
  /**
   * What the connections run on, where the transport has a choice:
   * `"bare handles"`, `"net.Socket"` or `"net.Socket with TLS"` for
   * `"node"`.
   */
  readonly detail?: string;
  /** Whether the connections are TLS. @default {false} */
  readonly tls?: boolean;
  /**
   * The most connections the listener can hold before the process runs
   * out of descriptors (`Infinity` when there is no such limit). A server
   * refuses clients past it instead of letting the runtime fail accepts.
   */
  readonly connectionLimit: number;
}

/** A listening socket. */
export interface TransportListener {
  /** The address actually bound (with the real port when `0` was asked). */
  readonly addr: TransportAddr;
  /** What the transport runs on, and its limit. */
  readonly info: TransportInfo;
  /**
   * Stops accepting. Open connections are not touched.
   *
   * @returns A promise that settles once the listener is closed.
   */
  close(): Promise<void>;
}

/** A way to listen for connections. */
export interface Transport {
  /** A short name: `"deno"`, `"node"`, `"memory"` or a custom one. */
  readonly name: string;
  /**
   * Starts listening.
   *
   * @typeParam S The handler's per-connection state.
   * @param options Where to listen.
   * @param handler Called for every connection.
   * @returns The listener.
   */
  listen<S>(
    options: TransportListenOptions,
    handler: ConnectionHandler<S>,
  ): Promise<TransportListener>;
}

/** Where to connect. */
export interface DialOptions {
  /** The server's host name or address. */
  hostname: string;
  /** The server's port. */
  port: number;
  /** Aborting it gives up on the connection attempt. */
  signal?: AbortSignal;
  /**
   * The most bytes that may wait to be written before the connection is
   * destroyed.
   * @default {1048576}
   */
  maxWriteBufferBytes?: number;
}

/** How a `denoDialer` speaks TLS. */
export interface TlsDialOptions {
  /**
   * Certificates of the authorities to trust (PEM), besides the runtime's
   * own store: the CA that signed the server's certificate.
   * @default {[]}
   */
  caCerts?: string[];
  /**
   * The name the server's certificate must be valid for (and the SNI
   * sent); the host dialled when left out.
   * @default {the dial's hostname}
   */
  serverName?: string;
}

/** A way to make connections: the client's side of the seam. */
export interface Dialer {
  /** A short name: `"deno"`, `"memory"` or a custom one. */
  readonly name: string;
  /**
   * Connects. `handler.open` runs once the connection is up, before the
   * promise settles; `data` and `closed` follow as for accepted
   * connections.
   *
   * @typeParam S The handler's per-connection state.
   * @param options Where to connect.
   * @param handler Called for the connection.
   * @returns The connection and its local address.
   * @throws When the connection cannot be made (refused, unreachable,
   * aborted).
   */
  dial<S>(options: DialOptions, handler: ConnectionHandler<S>): Promise<Dialed>;
}

/** A connection made by a {@link Dialer}. */
export interface Dialed {
  /** The connection. */
  conn: TransportConn;
  /** The local address, to tell connections apart. */
  localAddr: TransportAddr;
}

/**
 * The default {@link TransportListenOptions.maxWriteBufferBytes}: 1 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_WRITE_BUFFER_BYTES } from "@lifeline/lifeline/transport";
 * console.log(DEFAULT_MAX_WRITE_BUFFER_BYTES); // 1048576
 * ```
 */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * The most bytes a connection reads (and throws away) after `end()` while
 * it waits for the peer to close; a peer that sends more is destroyed at
 * once instead of being read for the rest of the close grace. 64 KiB.
 *
 * @example
 * ```ts
 * import { MAX_BYTES_AFTER_END } from "@lifeline/lifeline/transport";
 * console.log(MAX_BYTES_AFTER_END); // 65536
 * ```
 */
export const MAX_BYTES_AFTER_END = 64 * 1024;
