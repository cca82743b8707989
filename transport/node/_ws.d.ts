// The part of the `ws` package's API that `websocket.ts` uses, typed here
// rather than through `@types/ws`, which would bring `@types/node` (whose
// declarations Deno's own `node:` types already provide) into the graph.

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** One server-side WebSocket. */
export interface WebSocket {
  /** Bytes queued and not yet taken by the kernel. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(
    event: "message",
    listener: (data: unknown, isBinary: boolean) => void,
  ): this;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "close", listener: () => void): this;
}

/** Options of a `WebSocketServer` (the ones used). */
export interface ServerOptions {
  noServer: true;
  maxPayload: number;
  perMessageDeflate: false;
  clientTracking: false;
}

/** A WebSocket server that handles upgrades given to it. */
export class WebSocketServer {
  constructor(options: ServerOptions);
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    callback: (socket: WebSocket) => void,
  ): void;
}
