/**
 * The WebSocket transport: a `node:http` server whose upgrades the `ws`
 * package (a well-kept, dependency-free implementation of RFC 6455)
 * handles, each WebSocket served as one connection of the seam. One text
 * message is one frame: it reaches the handler followed by `\n`, and each
 * line the handler writes goes out as one message. So sessions, the one
 * liveness registry, the limits, authentication and presence serve
 * WebSocket clients untouched.
 *
 * It is `ws` on `node:http` rather than `Deno.upgradeWebSocket` because a
 * server must be able to cut a connection: a Deno `WebSocket` has no way
 * to drop its TCP connection (after `close()` it waits for the peer's
 * close frame for good, so a peer that stops reading would hold its
 * descriptor forever) and no limit on the size of a message it buffers,
 * whereas `ws` has `terminate()` and `maxPayload`, which it checks on a
 * frame's header before buffering anything.
 *
 * @module
 */

import { eachLine } from "../_each_line.ts";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
// @ts-types="./_ws.d.ts"
import { type WebSocket, WebSocketServer } from "ws";
import { DEFAULT_MAX_FRAME_BYTES } from "../../protocol/defaults.ts";
import { closeCodeFor, WS_CLOSE } from "../../protocol/websocket.ts";
import { connectionsThatFit } from "../_open_file_limit.ts";
import { takeQueued } from "../_write_batch.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Transport,
  type TransportListener,
  type TransportListenOptions,
} from "../types.ts";
import { DESTROYED, ENDING, NodeConnBase, type Shared } from "./_conn_base.ts";
import { LISTEN_BACKLOG } from "./_keep_accepting.ts";
import { NodeListener } from "./_listener.ts";

/** Options for {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /**
   * The longest message accepted, in bytes; a longer one closes the
   * connection with code 1009 before it is read. The server sets it to its
   * `maxFrameBytes`.
   * @default {65536}
   */
  maxMessageBytes?: number;
  /**
   * The page origins allowed to connect (the `Origin` header, such as
   * `"https://example.com"`); an upgrade from any other gets HTTP 403.
   * Requests without an `Origin` (programs, not browsers) are allowed.
   * Without the option, every origin is.
   * @default {undefined}
   */
  origins?: string[];
  /**
   * How long a client may take to send its HTTP upgrade request, in
   * milliseconds.
   * @default {10000}
   */
  handshakeTimeoutMs?: number;
}

const NEWLINE = 10;

/** The timer that cuts a connection whose upgrade is late. */
const HANDSHAKE_TIMER = Symbol("lifeline.handshakeTimer");

interface PendingSocket extends Duplex {
  [HANDSHAKE_TIMER]?: ReturnType<typeof setTimeout>;
}

/**
 * How long a peer may take to answer a close the transport started on its
 * own (a message it refused, a protocol error) before it is cut. A close
 * the handler starts with `end()` is cut by the handler's own grace.
 */
const REFUSAL_GRACE_MS = 1000;

/** One WebSocket as a connection of the seam. */
class WebSocketConn extends NodeConnBase {
  #socket: WebSocket;
  #grace: ReturnType<typeof setTimeout> | undefined;

  constructor(
    socket: WebSocket,
    shared: Shared,
    address: string,
    port: number,
  ) {
    super(shared, address, port);
    this.#socket = socket;
  }

  protected get backlog(): number {
    return this.#socket.bufferedAmount;
  }

  /** Sends what was queued in this tick, one message per line. */
  flush(): void {
    const text = takeQueued(this);
    if (text === "" || (this.flags & DESTROYED) !== 0) return;
    const socket = this.#socket;
    eachLine(text, (line) => socket.send(line));
  }

  end(reason?: string): void {
    if (this.flags !== 0) return;
    this.flush();
    this.flags |= ENDING;
    this.#socket.close(closeCodeFor(reason), reason ?? "");
  }

  destroy(): void {
    if ((this.flags & DESTROYED) !== 0) return;
    this.flags |= DESTROYED;
    takeQueued(this);
    this.#socket.terminate();
  }

  /** Refuses what the peer sent: a close with `code`, nothing delivered. */
  refuse(code: number, reason: string): void {
    if (this.flags !== 0) return;
    this.flags |= ENDING;
    this.#socket.close(code, reason);
    this.cutLater();
  }

  /** Cuts the connection if it is still open after the refusal grace. */
  cutLater(): void {
    this.#grace ??= setTimeout(() => this.destroy(), REFUSAL_GRACE_MS);
  }

  /** The socket closed: no cut is due any more. */
  gone(): void {
    this.flags |= DESTROYED;
    clearTimeout(this.#grace);
  }

  /** A message arrived. */
  message(data: Uint8Array, isBinary: boolean): void {
    if (this.flags !== 0) {
      // Counted and thrown away after end(), as any transport does.
      this.received(data);
      return;
    }
    if (isBinary) {
      this.refuse(WS_CLOSE.unsupportedData, "binary messages are not frames");
      return;
    }
    if (data.indexOf(NEWLINE) !== -1) {
      this.refuse(
        WS_CLOSE.invalidPayload,
        "a message holds one frame, without line ends",
      );
      return;
    }
    const line = new Uint8Array(data.length + 1);
    line.set(data);
    line[data.length] = NEWLINE;
    this.received(line);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) {
    const parts = data as Uint8Array[];
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
  return new Uint8Array(0);
}

function serve(socket: WebSocket, request: IncomingMessage, shared: Shared) {
  const peer = request.socket;
  const conn = new WebSocketConn(
    socket,
    shared,
    peer.remoteAddress ?? "",
    peer.remotePort ?? 0,
  );
  let error: Error | undefined;
  let closed = false;
  socket.on("message", (data: unknown, isBinary: boolean) => {
    conn.message(toBytes(data), isBinary);
  });
  // A protocol error (a message too long, bad UTF-8, an unmasked frame) or
  // a reset: ws closes the socket, and "close" follows.
  socket.on("error", (cause: Error) => {
    error ??= cause;
    conn.flags |= ENDING;
    conn.cutLater();
  });
  socket.on("close", () => {
    if (closed) return;
    closed = true;
    conn.gone();
    shared.handler.closed(conn.state, error);
  });
  conn.state = shared.handler.open(conn);
}

function refuseHttp(socket: Duplex, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
}

function upgradeRequired(_request: IncomingMessage, response: ServerResponse) {
  const text =
    "Upgrade Required: this is a Lifeline WebSocket endpoint (one frame per text message, see docs/protocol.md)\n";
  response.writeHead(426, {
    "Connection": "close",
    "Content-Type": "text/plain; charset=utf-8",
    "Upgrade": "websocket",
  });
  response.end(text);
}

/**
 * Creates the WebSocket transport. Every upgraded connection gets TCP
 * keepalive and no-delay; WebSocket pings are answered with pongs (by
 * `ws`), but only frames are signs of life to the server, as on TCP.
 * Compression (`permessage-deflate`) is off: it would cost memory per
 * connection and let a small message inflate into a large one. A plain
 * HTTP request gets 426 Upgrade Required.
 *
 * @param options The largest message, the allowed origins, the handshake
 * timeout.
 * @returns The transport.
 *
 * @example Serve one message over WebSocket and read the reply
 * ```ts
 * import { webSocketTransport } from "@lifeline/lifeline/transport";
 * const decoder = new TextDecoder();
 * const listener = await webSocketTransport().listen({ hostname: "127.0.0.1", port: 0 }, {
 *   open: (conn) => conn,
 *   data: (conn, chunk) => conn.write(`got ${JSON.stringify(decoder.decode(chunk))}\n`),
 *   closed: () => {},
 * });
 * const socket = new WebSocket(`ws://127.0.0.1:${listener.addr.port}/`);
 * const reply = new Promise((resolve) => socket.onmessage = (e) => resolve(e.data));
 * socket.onopen = () => socket.send("hi");
 * console.log(await reply); // 'got "hi\n"'
 * const closed = new Promise((resolve) => socket.onclose = resolve);
 * socket.close();
 * await closed;
 * await listener.close();
 * ```
 */
export function webSocketTransport(
  options: WebSocketTransportOptions = {},
): Transport {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) {
    throw new RangeError(
      `Cannot use maxMessageBytes "${maxMessageBytes}": expected a positive integer`,
    );
  }
  const origins = options.origins === undefined
    ? undefined
    : new Set(options.origins);
  const handshakeTimeout = options.handshakeTimeoutMs ?? 10_000;
  return {
    name: "websocket",
    listen<S>(
      listenOptions: TransportListenOptions,
      handler: ConnectionHandler<S>,
    ): Promise<TransportListener> {
      if (listenOptions.reusePort === true) {
        return Promise.reject(
          new TypeError(
            "Cannot share a port on the websocket transport: give the WebSocket listener a port of its own",
          ),
        );
      }
      const shared: Shared = {
        handler: handler as ConnectionHandler<unknown>,
        maxWrite: listenOptions.maxWriteBufferBytes ??
          DEFAULT_MAX_WRITE_BUFFER_BYTES,
      };
      const sockets = new WebSocketServer({
        noServer: true,
        maxPayload: maxMessageBytes,
        perMessageDeflate: false,
        clientTracking: false,
      });
      const server: Server = createServer(upgradeRequired);
      // node:http's own headersTimeout is only checked every 30 s (and not
      // at all here): each connection gets a timer of its own until it
      // upgrades.
      server.on("connection", (socket: PendingSocket) => {
        const timer = setTimeout(() => socket.destroy(), handshakeTimeout);
        socket[HANDSHAKE_TIMER] = timer;
        socket.once("close", () => clearTimeout(timer));
      });
      server.on("clientError", (_error, socket: Duplex) => socket.destroy());
      server.on(
        "upgrade",
        (request, socket: PendingSocket, head: Uint8Array) => {
          clearTimeout(socket[HANDSHAKE_TIMER]);
          const origin = request.headers.origin;
          if (
            origins !== undefined && origin !== undefined &&
            !origins.has(origin)
          ) {
            refuseHttp(socket, 403, "Forbidden");
            return;
          }
          const tcp = request.socket;
          tcp.setNoDelay(true);
          tcp.setKeepAlive(true);
          sockets.handleUpgrade(
            request,
            socket,
            head,
            (ws) => serve(ws, request, shared),
          );
        },
      );
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(
          {
            host: listenOptions.hostname,
            port: listenOptions.port,
            backlog: LISTEN_BACKLOG,
          },
          () => {
            server.off("error", reject);
            resolve(
              new NodeListener(server, {
                name: "websocket",
                detail: "node:http with ws",
                connectionLimit: connectionsThatFit(),
              }),
            );
          },
        );
      });
    },
  };
}
