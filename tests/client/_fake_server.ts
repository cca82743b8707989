/**
 * Small fake Lifeline servers for the client tests: they speak just enough
 * of the protocol (hello → welcome, ping → pong, msg relay, presence) and
 * can be told to misbehave (never reply, stop answering, say bye).
 *
 * @module
 */

import { encodeFrame, LineDecoder } from "../../protocol/mod.ts";
import { EVENT_TYPES } from "../../client/_format.ts";
import type { ClientFrame, ServerFrame } from "../../protocol/mod.ts";
import type {
  LifelineClient,
  LifelineClientEventMap,
} from "../../client/mod.ts";

/** How a fake server behaves. */
export interface FakeServerOptions {
  /** The port to listen on; 0 picks one. */
  port?: number;
  /** Answer `hello` with `welcome`. */
  welcome?: boolean;
  /** Answer `ping` with `pong`. */
  answerPings?: boolean;
  /** `welcome.interval` in ms. */
  interval?: number;
  /** `welcome.timeout` in ms. */
  timeout?: number;
  /** Called for every frame received, after the default handling. */
  onFrame?: (frame: ClientFrame, peer: FakePeer, server: FakeServer) => void;
}

/** One connection to the fake server. */
export interface FakePeer {
  conn: Deno.TcpConn;
  name?: string;
  frames: ClientFrame[];
  closed: boolean;
}

/** A fake server on 127.0.0.1. */
export class FakeServer {
  readonly listener: Deno.TcpListener;
  readonly peers: FakePeer[] = [];
  readonly options: Required<Omit<FakeServerOptions, "onFrame" | "port">>;
  #onFrame: FakeServerOptions["onFrame"];
  #tasks = new Set<Promise<void>>();
  #ids = 0;
  #closed = false;

  constructor(options: FakeServerOptions = {}) {
    this.listener = Deno.listen({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
    });
    this.options = {
      welcome: options.welcome ?? true,
      answerPings: options.answerPings ?? true,
      interval: options.interval ?? 50,
      timeout: options.timeout ?? 300,
    };
    this.#onFrame = options.onFrame;
    this.#track(this.#accept());
  }

  get port(): number {
    return this.listener.addr.port;
  }

  /** Peers that said hello with this name. */
  named(name: string): FakePeer[] {
    return this.peers.filter((p) => p.name === name);
  }

  send(peer: FakePeer, frame: ServerFrame): void {
    if (peer.closed) return;
    const bytes = new TextEncoder().encode(encodeFrame(frame));
    this.#track(
      peer.conn.write(bytes).then(() => {}, () => {}),
    );
  }

  drop(peer: FakePeer): void {
    if (peer.closed) return;
    peer.closed = true;
    try {
      peer.conn.close();
    } catch {
      // already closed
    }
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.listener.close();
      for (const peer of this.peers) this.drop(peer);
    }
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.listener) {
        const peer: FakePeer = { conn, frames: [], closed: false };
        this.peers.push(peer);
        this.#track(this.#serve(peer));
      }
    } catch {
      // listener closed
    }
  }

  async #serve(peer: FakePeer): Promise<void> {
    const decoder = new LineDecoder();
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await peer.conn.read(buffer);
        if (n === null) break;
        decoder.push(buffer.subarray(0, n), (line) => {
          const frame = JSON.parse(line) as ClientFrame;
          peer.frames.push(frame);
          this.#handle(frame, peer);
        });
      }
    } catch {
      // closed
    }
    const wasOpen = !peer.closed;
    this.drop(peer);
    if (wasOpen && peer.name !== undefined && !this.#closed) {
      for (const other of this.#live()) {
        if (other !== peer) {
          this.send(other, {
            type: "presence",
            name: peer.name,
            state: "offline",
            reason: "closed",
          });
        }
      }
    }
  }

  #live(): FakePeer[] {
    return this.peers.filter((p) => !p.closed && p.name !== undefined);
  }

  #handle(frame: ClientFrame, peer: FakePeer): void {
    if (frame.type === "hello") {
      if (this.options.welcome) {
        peer.name = frame.name;
        this.send(peer, {
          type: "welcome",
          id: String(++this.#ids),
          interval: this.options.interval,
          timeout: this.options.timeout,
        });
        for (const other of this.#live()) {
          if (other !== peer) {
            this.send(other, {
              type: "presence",
              name: frame.name,
              state: "online",
            });
          }
        }
      }
    } else if (frame.type === "ping") {
      if (this.options.answerPings) {
        this.send(peer, { type: "pong", seq: frame.seq });
      }
    } else if (frame.type === "msg" && peer.name !== undefined) {
      for (const other of this.#live()) {
        if (other === peer) continue;
        if (frame.to !== undefined && other.name !== frame.to) continue;
        this.send(other, { type: "msg", from: peer.name, body: frame.body });
      }
    }
    this.#onFrame?.(frame, peer, this);
  }
}

/**
 * Waits for one event of a client, or rejects after `ms`.
 */
export function nextEvent<K extends keyof LifelineClientEventMap>(
  client: LifelineClient,
  type: K,
  ms = 3000,
  filter: (detail: LifelineClientEventMap[K]["detail"]) => boolean = () => true,
): Promise<LifelineClientEventMap[K]["detail"]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeEventListener(type, listener);
      reject(new Error(`No "${type}" event within ${ms}ms`));
    }, ms);
    function listener(event: LifelineClientEventMap[K]): void {
      if (!filter(event.detail)) return;
      clearTimeout(timer);
      client.removeEventListener(type, listener);
      resolve(event.detail);
    }
    client.addEventListener(type, listener);
  });
}

/** Polls `predicate` every 5 ms until it holds, or rejects after `ms`. */
export async function until(
  predicate: () => boolean,
  ms = 3000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Records every event of a client with its time. */
export function record(
  client: LifelineClient,
): { type: string; at: number; detail: unknown }[] {
  const log: { type: string; at: number; detail: unknown }[] = [];
  for (const type of EVENT_TYPES) {
    client.addEventListener(type, (event: CustomEvent) => {
      log.push({ type, at: Date.now(), detail: event.detail });
    });
  }
  return log;
}
