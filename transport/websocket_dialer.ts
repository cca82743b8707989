/**
 * The WebSocket dialer: the client's side of the seam on the standard
 * `WebSocket`, so the same code dials from a browser and from Deno. Each
 * text message from the server is one frame, handed to the handler with a
 * `\n` after it; each line written goes out as one message.
 *
 * @module
 */

import { eachLine } from "./_each_line.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Dialed,
  type Dialer,
  type DialOptions,
  MAX_BYTES_AFTER_END,
  type TransportAddr,
  type TransportConn,
} from "./types.ts";

/** Options for {@link webSocketDialer}. */
export interface WebSocketDialerOptions {
  /**
   * The server's WebSocket URL (`ws://` or `wss://`). Without it, the
   * dialer connects to `ws://HOSTNAME:PORT/` from the dial's options.
   * @default {undefined}
   */
  url?: string | URL;
}

const encoder = new TextEncoder();
const OPEN = 1;

interface MaybeOnline {
  navigator?: { onLine?: boolean };
}

/** A `WebSocket` as a connection of the seam. */
class WebSocketClientConn<S> implements TransportConn {
  readonly remoteAddr: TransportAddr;
  #socket: WebSocket;
  #handler: ConnectionHandler<S>;
  #state!: S;
  #maxWrite: number;
  #ending = false;
  #closed = false;
  #discarded = 0;

  constructor(
    socket: WebSocket,
    remoteAddr: TransportAddr,
    handler: ConnectionHandler<S>,
    maxWrite: number,
  ) {
    this.#socket = socket;
    this.remoteAddr = remoteAddr;
    this.#handler = handler;
    this.#maxWrite = maxWrite;
    socket.onmessage = (event) => this.#message(event.data);
    socket.onclose = (event) => this.#onClose(event.code, event.reason);
    socket.onerror = null;
  }

  /** Starts: the handler's `open` gives the state. */
  start(): void {
    this.#state = this.#handler.open(this);
  }

  get bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  write(text: string): void {
    if (this.#closed || this.#ending) return;
    // Sending on a socket the browser has closed throws nothing but logs an
    // error on the page's console: look first.
    const socket = this.#socket;
    if (socket.readyState !== OPEN) return;
    eachLine(text, (line) => socket.send(line));
    if (socket.bufferedAmount > this.#maxWrite) this.destroy();
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    if (this.#socket.readyState === OPEN) this.#socket.close(1000);
  }

  destroy(): void {
    if (this.#closed) return;
    // A WebSocket cannot be dropped at once: it is closed, and forgotten.
    // The handler hears of it now, not when (or whether) the browser
    // finishes the closing handshake on a network that may be gone.
    this.#detach();
    if (this.#socket.readyState === OPEN) this.#socket.close(1000);
    queueMicrotask(() => this.#handler.closed(this.#state));
  }

  #detach(): void {
    this.#closed = true;
    const socket = this.#socket;
    socket.onmessage = null;
    socket.onclose = null;
  }

  #message(data: unknown): void {
    if (this.#closed) return;
    // The server sends text; anything else is no frame, and no sign of life.
    if (typeof data !== "string") return;
    const bytes = encoder.encode(`${data}\n`);
    if (this.#ending) {
      this.#discarded += bytes.length;
      if (this.#discarded > MAX_BYTES_AFTER_END) this.destroy();
      return;
    }
    this.#handler.data(this.#state, bytes);
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    this.#detach();
    this.#handler.closed(
      this.#state,
      code === 1000 || code === 1005 ? undefined : new Error(
        `WebSocket closed with code ${code}${reason ? ` (${reason})` : ""}`,
      ),
    );
  }
}

/**
 * Creates the dialer on the standard `WebSocket` (browsers, Deno). While a
 * browser says it is offline (`navigator.onLine` is `false`), a dial fails
 * at once without opening a socket: it could not succeed, and each failed
 * socket would print an error on the page's console. The local address is
 * not known to a page: it is reported as `{ hostname: "", port: 0 }`.
 *
 * @param options The server's URL.
 * @returns The dialer.
 *
 * @example Dial a WebSocket listener
 * ```ts
 * import { webSocketDialer, webSocketTransport } from "@lifeline/lifeline/transport";
 * const decoder = new TextDecoder();
 * const listener = await webSocketTransport().listen({ hostname: "127.0.0.1", port: 0 }, {
 *   open: (conn) => conn,
 *   data: (conn) => conn.write("pong\n"),
 *   closed: () => {},
 * });
 * const got = Promise.withResolvers<string>();
 * const closed = Promise.withResolvers<void>();
 * const { conn } = await webSocketDialer().dial({ hostname: "127.0.0.1", port: listener.addr.port }, {
 *   open: () => null,
 *   data: (_, chunk) => got.resolve(decoder.decode(chunk)),
 *   closed: () => closed.resolve(),
 * });
 * conn.write("ping\n");
 * console.log(JSON.stringify(await got.promise)); // "\"pong\\n\""
 * conn.end();
 * await closed.promise;
 * await listener.close();
 * ```
 */
export function webSocketDialer(options: WebSocketDialerOptions = {}): Dialer {
  const fixed = options.url === undefined ? undefined : new URL(options.url);
  if (
    fixed !== undefined && fixed.protocol !== "ws:" && fixed.protocol !== "wss:"
  ) {
    throw new TypeError(
      `Cannot dial "${fixed.href}": expected a ws: or wss: URL`,
    );
  }
  return {
    name: "websocket",
    dial<S>(
      dialOptions: DialOptions,
      handler: ConnectionHandler<S>,
    ): Promise<Dialed> {
      const url = fixed ??
        new URL(
          `ws://${hostForUrl(dialOptions.hostname)}:${dialOptions.port}/`,
        );
      if ((globalThis as MaybeOnline).navigator?.onLine === false) {
        return Promise.reject(
          new Error(`Cannot connect to ${url.href}: the browser is offline`),
        );
      }
      dialOptions.signal?.throwIfAborted();
      const maxWrite = dialOptions.maxWriteBufferBytes ??
        DEFAULT_MAX_WRITE_BUFFER_BYTES;
      const remoteAddr: TransportAddr = {
        hostname: url.hostname,
        port: Number(url.port) || (url.protocol === "wss:" ? 443 : 80),
      };
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(url);
        const signal = dialOptions.signal;
        const onAbort = () => {
          // Closing a socket that is still connecting prints an error on a
          // page's console: let it open, then close it.
          socket.onopen = () => socket.close(1000);
          socket.onclose = null;
          socket.onerror = null;
          reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        socket.onerror = () => {};
        socket.onclose = (event) => {
          signal?.removeEventListener("abort", onAbort);
          reject(
            new Error(
              `Cannot connect to ${url.href}: closed before it opened (code ${event.code})`,
            ),
          );
        };
        socket.onopen = () => {
          signal?.removeEventListener("abort", onAbort);
          socket.onopen = null;
          const conn = new WebSocketClientConn(
            socket,
            remoteAddr,
            handler,
            maxWrite,
          );
          conn.start();
          resolve({ conn, localAddr: { hostname: "", port: 0 } });
        };
      });
    },
  };
}

function hostForUrl(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
}
