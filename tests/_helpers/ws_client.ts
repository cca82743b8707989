/**
 * A raw WebSocket test client on a TCP connection: it does the upgrade by
 * hand and writes frames byte by byte, so tests can send what no standard
 * `WebSocket` would (binary, pings, huge or broken frames) and can stop
 * reading. It collects the server's text messages as frames and its close
 * code and reason.
 *
 * @module
 */

import type { ServerFrame } from "../../protocol/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** WebSocket opcodes. */
export const OP = {
  continuation: 0,
  text: 1,
  binary: 2,
  close: 8,
  ping: 9,
  pong: 10,
} as const;

/** Encodes one masked client frame. */
export function clientFrame(
  opcode: number,
  payload: Uint8Array | string,
  fin = true,
): Uint8Array {
  const data = typeof payload === "string" ? encoder.encode(payload) : payload;
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const len = data.length;
  const first = (fin ? 0x80 : 0) | opcode;
  let header: number[];
  if (len < 126) header = [first, 0x80 | len];
  else if (len < 65536) header = [first, 0x80 | 126, len >> 8, len & 255];
  else {
    header = [first, 0x80 | 127, 0, 0];
    const high = Math.floor(len / 2 ** 32);
    header.push((high >> 8) & 255, high & 255);
    header.push((len >>> 24) & 255, (len >> 16) & 255, (len >> 8) & 255);
    header.push(len & 255);
  }
  const out = new Uint8Array(header.length + 4 + len);
  out.set(header);
  out.set(mask, header.length);
  const start = header.length + 4;
  for (let i = 0; i < len; i++) out[start + i] = data[i] ^ mask[i & 3];
  return out;
}

/** A server message as the client saw it. */
export interface WsMessage {
  opcode: number;
  payload: Uint8Array;
}

/** A raw WebSocket client. */
export class WsClient {
  readonly conn: Deno.TcpConn;
  /** The HTTP status line and headers of the upgrade's answer. */
  readonly head: string;
  /** Every text message, parsed as a frame. */
  readonly frames: ServerFrame[] = [];
  /** Every message, raw (text, binary, pong, close). */
  readonly messages: WsMessage[] = [];
  /** The server's close code and reason, once its close frame came. */
  close_: { code: number; reason: string } | undefined;
  /** Whether the TCP connection ended (EOF or reset). */
  eof = false;
  #buffer: Uint8Array = new Uint8Array(0);
  #reading: Promise<void> | undefined;
  #closed = false;

  private constructor(conn: Deno.TcpConn, head: string, rest: Uint8Array) {
    this.conn = conn;
    this.head = head;
    this.#buffer = rest;
  }

  /**
   * Connects and upgrades. With `read: false` the client never reads
   * after the upgrade (a slow consumer).
   */
  static async connect(
    port: number,
    options: { origin?: string; read?: boolean; path?: string } = {},
  ): Promise<WsClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const key = btoa(
      String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
    );
    const origin = options.origin === undefined
      ? ""
      : `Origin: ${options.origin}\r\n`;
    await writeAll(
      conn,
      encoder.encode(
        `GET ${
          options.path ?? "/"
        } HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${origin}\r\n`,
      ),
    );
    let got: Uint8Array = new Uint8Array(0);
    const buf = new Uint8Array(4096);
    let end = -1;
    while (end < 0) {
      const n = await conn.read(buf);
      if (n === null) break;
      got = concat(got, buf.subarray(0, n));
      end = indexOfHeadEnd(got);
    }
    const headEnd = end < 0 ? got.length : end + 4;
    const head = decoder.decode(got.subarray(0, headEnd));
    const client = new WsClient(conn, head, got.slice(headEnd));
    if (head.startsWith("HTTP/1.1 101") && options.read !== false) {
      client.startReading();
    }
    return client;
  }

  /** Connects, says hello and waits for welcome; then watches `watch`. */
  static async hello(
    port: number,
    name: string,
    watch?: string[],
  ): Promise<WsClient> {
    const client = await WsClient.connect(port);
    await client.send({ type: "hello", name });
    await client.waitFor((f) => f.type === "welcome");
    if (watch !== undefined) {
      await client.send({ type: "watch", names: watch });
      await client.until(
        () =>
          watch.every((n) =>
            client.frames.some((f) => f.type === "presence" && f.name === n)
          ),
        3000,
        "the snapshots",
      );
    }
    return client;
  }

  /** The HTTP status code of the upgrade's answer. */
  get status(): number {
    return Number(this.head.split(" ")[1]);
  }

  /** Starts reading (once). */
  startReading(): void {
    this.#reading ??= this.#read();
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    this.#parse();
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.#buffer = concat(this.#buffer, buf.subarray(0, n));
        this.#parse();
      }
    } catch {
      // reset
    }
    this.eof = true;
  }

  #parse(): void {
    while (true) {
      const b = this.#buffer;
      if (b.length < 2) return;
      const opcode = b[0] & 15;
      let len = b[1] & 127;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = (b[2] << 8) | b[3];
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = 0;
        for (let i = 2; i < 10; i++) len = len * 256 + b[i];
        offset = 10;
      }
      if (b.length < offset + len) return;
      const payload = b.slice(offset, offset + len);
      this.#buffer = b.slice(offset + len);
      this.messages.push({ opcode, payload });
      if (opcode === OP.text) {
        try {
          this.frames.push(JSON.parse(decoder.decode(payload)));
        } catch {
          // Not a frame: kept in messages only.
        }
      } else if (opcode === OP.close) {
        const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 0;
        this.close_ = { code, reason: decoder.decode(payload.subarray(2)) };
      }
    }
  }

  /** Writes raw bytes. */
  write(bytes: Uint8Array): Promise<void> {
    return writeAll(this.conn, bytes);
  }

  /** Sends one text message. */
  text(text: string): Promise<void> {
    return this.write(clientFrame(OP.text, text));
  }

  /** Sends one frame as a text message. */
  send(frame: unknown): Promise<void> {
    return this.text(JSON.stringify(frame));
  }

  /** Waits until `check` holds, polling every 5 ms; fails after `ms`. */
  async until(check: () => boolean, ms = 3000, what = "condition") {
    const deadline = performance.now() + ms;
    while (!check()) {
      if (performance.now() > deadline) {
        throw new Error(
          `Timed out waiting for ${what}; frames: ${
            JSON.stringify(this.frames)
          }, close: ${JSON.stringify(this.close_)}, eof: ${this.eof}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Waits for a frame matching `match` and returns it. */
  async waitFor<F extends ServerFrame = ServerFrame>(
    match: (frame: ServerFrame) => boolean,
    ms = 3000,
  ): Promise<F> {
    await this.until(() => this.frames.some(match), ms, "a matching frame");
    return this.frames.find(match) as F;
  }

  /** Waits for the server's close frame. */
  async waitClose(ms = 3000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.close_ !== undefined, ms, "a close frame");
    return this.close_!;
  }

  /** Closes the TCP connection and waits for the reader. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.conn.close();
      } catch {
        // already closed
      }
    }
    await this.#reading;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array) {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (
      bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 &&
      bytes[i + 3] === 10
    ) return i;
  }
  return -1;
}
