/**
 * Test helpers for the server tests: the transport matrix every server
 * test runs on, a raw TCP test client that reads frames line by line, and
 * fake time.
 *
 * @module
 */

import type { ServerFrame } from "../../protocol/mod.ts";
import {
  denoTransport,
  nodeTransport,
  type Transport,
} from "../../transport/mod.ts";

/** A transport of the matrix; prints as its label in test names. */
export interface TransportCase extends Transport {
  /** The label in test names: "deno", "node", "node net.Socket". */
  readonly label: string;
  /** What `server.transport.detail` should say. */
  readonly detail: string | undefined;
}

function transportCase(
  label: string,
  detail: string | undefined,
  transport: Transport,
): TransportCase {
  return {
    name: transport.name,
    label,
    detail,
    listen: (options, handler) => transport.listen(options, handler),
    toString: () => label,
  } as TransportCase;
}

/**
 * The transports every server test runs on, declared once: the Deno one,
 * the node one on bare handles, and the node one on `net.Socket` (its
 * fallback). A test that loops over this list runs on all three.
 */
export const TRANSPORTS: readonly TransportCase[] = [
  transportCase("deno", undefined, denoTransport()),
  transportCase("node", "bare handles", nodeTransport({ bareHandles: true })),
  transportCase(
    "node net.Socket",
    "net.Socket",
    nodeTransport({ bareHandles: false }),
  ),
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A raw TCP client that collects server frames. */
export class RawClient {
  readonly conn: Deno.TcpConn;
  readonly frames: ServerFrame[] = [];
  #waiters: { check: () => boolean; resolve: () => void }[] = [];
  #buffer = "";
  #closed = false;
  #closedPromise: Promise<void>;
  /** Whether the server closed (EOF or reset). */
  eof = false;
  /** How many bytes the server sent. */
  bytesRead = 0;
  /** Called with every frame as it arrives. */
  onFrame: ((frame: ServerFrame) => void) | undefined;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#closedPromise = this.#read();
  }

  /** Connects to a port on 127.0.0.1. */
  static async connect(
    port: number,
    hostname = "127.0.0.1",
  ): Promise<RawClient> {
    const conn = await Deno.connect({ hostname, port });
    return new RawClient(conn);
  }

  /**
   * Connects and says hello, waiting for welcome; then, with `watch`,
   * watches those names and waits for their snapshots.
   */
  static async hello(
    port: number,
    name: string,
    watch?: string[],
  ): Promise<RawClient> {
    const client = await RawClient.connect(port);
    await client.send({ type: "hello", name });
    await client.waitFor((f) => f.type === "welcome");
    if (watch !== undefined) await client.watch(watch);
    return client;
  }

  /** Watches names and waits for a snapshot of each. */
  async watch(names: string[]): Promise<void> {
    const before = this.frames.length;
    await this.send({ type: "watch", names });
    await this.until(
      () =>
        names.every((name) =>
          this.frames.slice(before).some((f) =>
            f.type === "presence" && f.name === name
          )
        ),
      3000,
      `the snapshots of ${names.join(", ")}`,
    );
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(4096);
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.bytesRead += n;
        this.#buffer += decoder.decode(buf.subarray(0, n), { stream: true });
        let i: number;
        while ((i = this.#buffer.indexOf("\n")) >= 0) {
          const line = this.#buffer.slice(0, i);
          this.#buffer = this.#buffer.slice(i + 1);
          if (line.length > 0) {
            const frame = JSON.parse(line);
            this.frames.push(frame);
            this.onFrame?.(frame);
          }
        }
        this.#wake();
      }
    } catch {
      // reset
    }
    this.eof = true;
    this.#wake();
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (w.check()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Writes raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let off = 0;
    while (off < bytes.length) {
      off += await this.conn.write(bytes.subarray(off));
    }
  }

  /** Writes one frame as a JSON line. */
  send(frame: unknown): Promise<void> {
    return this.write(JSON.stringify(frame) + "\n");
  }

  /**
   * Waits until a condition holds, checked on every read and every 5 ms;
   * fails after `ms`.
   */
  until(check: () => boolean, ms = 3000, what = "condition"): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        if (error) reject(error);
        else resolve();
      };
      const done = () => finish();
      const timer = setTimeout(() => {
        finish(
          new Error(
            `Timed out waiting for ${what}; frames: ${
              JSON.stringify(this.frames)
            }`,
          ),
        );
      }, ms);
      const poll = setInterval(() => {
        if (check()) finish();
      }, 5);
      this.#waiters.push({ check, resolve: done });
    });
  }

  /** Waits for a frame matching `match` and returns it. */
  async waitFor<F extends ServerFrame = ServerFrame>(
    match: (frame: ServerFrame) => boolean,
    ms = 3000,
  ): Promise<F> {
    await this.until(() => this.frames.some(match), ms, "a matching frame");
    return this.frames.find(match) as F;
  }

  /** Waits until the server closes the connection. */
  waitClosed(ms = 3000): Promise<void> {
    return this.until(() => this.eof, ms, "the server to close");
  }

  /** Closes the client and waits for its reader. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.conn.close();
      } catch {
        // already closed
      }
    }
    await this.#closedPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends a ping every `everyMs` until the returned function is called. */
export function keepPinging(client: RawClient, everyMs: number): () => void {
  let seq = 0;
  const timer = setInterval(() => {
    client.send({ type: "ping", seq: ++seq }).catch(() => {});
  }, everyMs);
  return () => clearInterval(timer);
}

/**
 * Settings for fast liveness tests (no ping rate limit: on a loaded machine
 * two pings sent 80 ms apart may arrive together).
 */
export const FAST = {
  interval: 100,
  timeout: 300,
  tick: 30,
  minPingInterval: 0,
} as const;

export { FakeTime } from "./fake_time.ts";
