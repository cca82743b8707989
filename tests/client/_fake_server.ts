/**
 * Small fake Lifeline servers for the client tests: they speak just enough
 * of the protocol (hello → welcome, ping → pong, msg relay, presence) and
 * can be told to misbehave (never reply, stop answering, say bye). They
 * listen through the transport seam, in memory or on TCP.
 *
 * @module
 */

import { encodeFrame, LineDecoder } from "../../protocol/mod.ts";
import {
  denoTransport,
  type Dialer,
  type MemoryNetwork,
  type TransportConn,
  type TransportListener,
} from "../../transport/mod.ts";
import { EVENT_TYPES } from "../../client/_format.ts";
import type { ClientFrame, ServerFrame } from "../../protocol/mod.ts";
import type {
  LifelineClient,
  LifelineClientEventMap,
  ServerBounds,
} from "../../client/mod.ts";

/**
 * The client's bounds for scaled-down tests: intervals down to 1 ms. The
 * other bounds keep their defaults.
 */
export const TEST_BOUNDS: ServerBounds = { minInterval: 1 };

/** How a fake server behaves. */
export interface FakeServerOptions {
  /** The in-memory network to listen on; TCP on 127.0.0.1 without it. */
  network?: MemoryNetwork;
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
  conn: TransportConn;
  name?: string;
  frames: ClientFrame[];
  closed: boolean;
  decoder: LineDecoder;
}

/**
 * A fake server on the transport seam: in memory (with `network`), or on
 * TCP at 127.0.0.1 through the Deno transport.
 */
export class FakeServer {
  readonly peers: FakePeer[] = [];
  readonly options: Required<
    Omit<FakeServerOptions, "onFrame" | "port" | "network">
  >;
  #listener!: TransportListener;
  #dialer: Dialer | undefined;
  #onFrame: FakeServerOptions["onFrame"];
  #ids = 0;
  #closed = false;
  #gone = 0;
  #allGone: (() => void) | null = null;

  private constructor(options: FakeServerOptions) {
    this.options = {
      welcome: options.welcome ?? true,
      answerPings: options.answerPings ?? true,
      interval: options.interval ?? 50,
      timeout: options.timeout ?? 300,
    };
    this.#onFrame = options.onFrame;
    this.#dialer = options.network?.dialer;
  }

  /** Starts a fake server and waits until it listens. */
  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const server = new FakeServer(options);
    const transport = options.network?.transport ?? denoTransport();
    server.#listener = await transport.listen({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
    }, {
      open: (conn) => server.#open(conn),
      data: (peer, chunk) => server.#data(peer, chunk),
      closed: (peer) => server.#peerClosed(peer),
    });
    return server;
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  /**
   * What a client needs to reach this server: its port, in memory the
   * dialer, and {@link TEST_BOUNDS} (a fake server's intervals are tens of
   * milliseconds, below the client's 100 ms floor).
   */
  get at(): { port: number; dialer?: Dialer; serverBounds: ServerBounds } {
    return this.#dialer === undefined
      ? { port: this.port, serverBounds: TEST_BOUNDS }
      : { port: this.port, dialer: this.#dialer, serverBounds: TEST_BOUNDS };
  }

  /** Peers that said hello with this name. */
  named(name: string): FakePeer[] {
    return this.peers.filter((p) => p.name === name);
  }

  send(peer: FakePeer, frame: ServerFrame): void {
    if (!peer.closed) peer.conn.write(encodeFrame(frame));
  }

  drop(peer: FakePeer): void {
    if (peer.closed) return;
    peer.closed = true;
    peer.conn.destroy();
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#listener.close();
      for (const peer of this.peers) this.drop(peer);
    }
    if (this.#gone < this.peers.length) {
      await new Promise<void>((resolve) => this.#allGone = resolve);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #open(conn: TransportConn): FakePeer {
    const peer: FakePeer = {
      conn,
      frames: [],
      closed: false,
      decoder: new LineDecoder(),
    };
    this.peers.push(peer);
    return peer;
  }

  #data(peer: FakePeer, chunk: Uint8Array): void {
    peer.decoder.push(chunk, (line) => {
      const frame = JSON.parse(line) as ClientFrame;
      peer.frames.push(frame);
      this.#handle(frame, peer);
    });
  }

  #peerClosed(peer: FakePeer): void {
    const wasOpen = !peer.closed;
    peer.closed = true;
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
    if (++this.#gone >= this.peers.length && this.#allGone !== null) {
      const resolve = this.#allGone;
      this.#allGone = null;
      resolve();
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
