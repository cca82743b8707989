/**
 * One dial of the client: from the TCP connection to its end. It reads the
 * server's lines, writes `hello`, pings at the interval in force, and
 * judges the server's liveness by timestamps (on every tick, at most
 * `tick` apart, and before every send), so a process that was paused or a
 * laptop that slept notices at once when it wakes. What it learns goes to
 * its owner, the client, which decides what to do next.
 *
 * @module
 */

import type { Clock, Timers } from "../common/time.ts";
import { encodeFrame, encodePing } from "../protocol/encode.ts";
import type { ServerFrame, WelcomeFrame } from "../protocol/frames.ts";
import { LineDecoder } from "../protocol/line_decoder.ts";
import { parseServerFrame } from "../protocol/parse_server.ts";
import type { ConnectionHandler, TransportConn } from "../transport/types.ts";
import type { ServerPolicy } from "./_interval.ts";
import {
  type ResolvedServerBounds,
  retryAfterOutOfBounds,
  welcomeOutOfBounds,
} from "./_server_bounds.ts";
import type {
  ClientDisconnectReason,
  LifelineClientEventMap,
} from "./events.ts";

/** What a connection needs of its client. */
export interface ConnectionOwner {
  /** The clock. */
  readonly clock: Clock;
  /** The timers. */
  readonly timers: Timers;
  /** The server, for messages. */
  readonly hostname: string;
  /** The server's port, for messages. */
  readonly port: number;
  /** The wait for `welcome`, in milliseconds. */
  readonly connectTimeout: number;
  /** The longest time between two liveness checks, in milliseconds. */
  readonly tick: number;
  /** The longest frame read, in bytes. */
  readonly maxFrameBytes: number;
  /** What the client accepts from a server. */
  readonly serverBounds: ResolvedServerBounds;
  /**
   * The interval to ping at under a server's policy.
   *
   * @param policy The server's policy.
   * @returns Milliseconds.
   */
  interval(policy: ServerPolicy): number;
  /**
   * Dispatches one of the client's events.
   *
   * @param type The event type.
   * @param detail The detail.
   */
  emit<K extends keyof LifelineClientEventMap & string>(
    type: K,
    detail: LifelineClientEventMap[K]["detail"],
  ): void;
  /**
   * `welcome` arrived: heartbeats have started.
   *
   * @param connection The connection.
   * @param frame The frame.
   * @param now When it arrived.
   */
  welcomed(connection: Connection, frame: WelcomeFrame, now: number): void;
  /**
   * Any other valid frame arrived (after the connection handled `pong`'s
   * round trip).
   *
   * @param connection The connection.
   * @param frame The frame.
   */
  received(
    connection: Connection,
    frame: Exclude<ServerFrame, WelcomeFrame>,
  ): void;
  /** A ping was written. */
  pinged(): void;
  /**
   * The connection ended (called once).
   *
   * @param connection The connection.
   * @param reason Why.
   * @param message The error's message, for socket and protocol errors.
   */
  ended(
    connection: Connection,
    reason: ClientDisconnectReason,
    message?: string,
  ): void;
}

// Round trips are measured for this many outstanding pings at most.
const MAX_PINGS_TIMED = 64;
// How long a closing connection may take to send what is queued and see
// the server close, before it is cut.
const CLOSE_GRACE_MS = 1000;

/** One connection to the server. */
export class Connection implements ConnectionHandler<Connection> {
  #owner: ConnectionOwner;
  #conn: TransportConn | null = null;
  #decoder: LineDecoder;
  #openedAt: number;
  #welcomed = false;
  #ended = false;
  #lastHeardAt: number;
  #policy: ServerPolicy | undefined;
  #interval = 0;
  #nextPingAt = Infinity;
  #seq = 0;
  #invalidLines = 0;
  #pings = new Map<number, number>();
  #timer: unknown = undefined;
  #closed = Promise.withResolvers<void>();
  /** The server's `retryAfter`, when a `bye` gave one. */
  retryAfter: number | undefined;

  /**
   * Creates a connection about to be dialled.
   *
   * @param owner The client.
   */
  constructor(owner: ConnectionOwner) {
    this.#owner = owner;
    this.#decoder = new LineDecoder({ maxFrameBytes: owner.maxFrameBytes });
    this.#openedAt = this.#lastHeardAt = owner.clock.now();
  }

  /** Whether `welcome` arrived on it. */
  get welcomed(): boolean {
    return this.#welcomed;
  }

  /** Whether it ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether it is welcomed and not ended. */
  get up(): boolean {
    return this.#welcomed && !this.#ended;
  }

  /** The interval in force, in milliseconds (0 before `welcome`). */
  get interval(): number {
    return this.#interval;
  }

  /** Resolves once the transport reported the connection closed. */
  get gone(): Promise<void> {
    return this.#closed.promise;
  }

  // --- the transport's side ---

  /**
   * The dialer connected.
   *
   * @param conn The connection.
   * @returns This connection, as the transport's state.
   */
  open(conn: TransportConn): Connection {
    this.#conn = conn;
    return this;
  }

  /**
   * Bytes arrived.
   *
   * @param _state This connection.
   * @param chunk The bytes.
   */
  data(_state: Connection, chunk: Uint8Array): void {
    if (this.#ended) return;
    const result = this.#decoder.push(chunk, Connection.#LINE, this);
    if (result === "frame_too_large" && !this.#ended) {
      const message =
        `Cannot read a server frame longer than ${this.#owner.maxFrameBytes} bytes`;
      this.#owner.emit("error", {
        source: "client",
        code: "frame_too_large",
        message,
      });
      this.end("protocol_error", message);
    }
  }

  /**
   * The transport closed the connection.
   *
   * @param _state This connection.
   * @param error Why, when it failed.
   */
  closed(_state: Connection, error?: Error): void {
    this.#closed.resolve();
    if (this.#ended) return;
    if (error === undefined) this.end("eof");
    else this.end("socket_error", error.message || error.name);
  }

  // --- the client's side ---

  /**
   * Says `hello` and starts the liveness checks.
   *
   * @param name The client's name.
   * @param token The token that proves it, when the server asks for one.
   */
  start(name: string, token?: string): void {
    this.write(
      encodeFrame(
        token === undefined
          ? { type: "hello", name }
          : { type: "hello", name, token },
      ),
    );
    this.#arm();
  }

  /**
   * Writes a line (it is queued by the transport, never blocks).
   *
   * @param line An encoded frame.
   */
  write(line: string): void {
    if (!this.#ended) this.#conn?.write(line);
  }

  /**
   * Checks the server's liveness now; ends the connection and returns
   * `false` when it is dead.
   *
   * @returns Whether it is alive.
   */
  checkAlive(): boolean {
    if (this.#ended) return false;
    const owner = this.#owner;
    const now = owner.clock.now();
    if (!this.#welcomed) {
      if (now - this.#openedAt >= owner.connectTimeout) {
        owner.emit("dead", {
          silentFor: now - this.#lastHeardAt,
          timeout: owner.connectTimeout,
          handshake: true,
        });
        owner.emit("error", {
          source: "client",
          code: "handshake_timeout",
          message:
            `No welcome from ${owner.hostname}:${owner.port} within ${owner.connectTimeout}ms`,
        });
        this.end("handshake_timeout");
        return false;
      }
      return true;
    }
    const silentFor = now - this.#lastHeardAt;
    const timeout = this.#policy!.timeout;
    if (silentFor >= timeout) {
      owner.emit("dead", { silentFor, timeout, handshake: false });
      this.end("dead");
      return false;
    }
    return true;
  }

  /**
   * Checks the server's liveness now and, when the last ping is at least
   * half an interval old, pings at once (a ping sooner than that could
   * count against the server's ping rate limit). For a process that has
   * just come back: the pong proves the connection, and the ping tells the
   * server this client is alive before its deadline.
   */
  probe(): void {
    if (!this.checkAlive() || !this.#welcomed) return;
    const lastPing = this.#nextPingAt - this.#interval;
    if (this.#owner.clock.now() - lastPing >= this.#interval / 2) {
      this.#ping();
      this.#arm();
    }
  }

  /**
   * Recomputes the interval (after `too_many_pings` or an adaptive step)
   * and moves the next ping accordingly.
   *
   * @param reason What changed it.
   * @returns The new interval, or `undefined` when it did not change.
   */
  updateInterval(reason: "too_many_pings" | "adaptive"): number | undefined {
    if (!this.up) return undefined;
    const interval = this.#owner.interval(this.#policy!);
    if (interval === this.#interval) return undefined;
    const lastPing = this.#nextPingAt - this.#interval;
    this.#interval = interval;
    this.#nextPingAt = lastPing + interval;
    this.#owner.emit("interval", { interval, reason });
    this.#arm();
    return interval;
  }

  /**
   * Ends the connection at once (idempotent): the owner hears why.
   *
   * @param reason Why.
   * @param message The error's message, for socket and protocol errors.
   */
  end(reason: ClientDisconnectReason, message?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#disarm();
    this.#conn?.destroy();
    this.#owner.ended(this, reason, message);
  }

  /** Drops a connection nobody wants any more, without a word to the owner. */
  discard(): void {
    this.#ended = true;
    this.#disarm();
    this.#conn?.destroy();
  }

  /**
   * Ends the connection gracefully: `bye` (so the server tells this
   * client's watchers at once that it left on purpose), what is queued,
   * then FIN; the connection is cut if the server has not closed it within
   * a second.
   *
   * @returns A promise that settles once the transport closed it.
   */
  async finish(): Promise<void> {
    if (this.#ended) return;
    const conn = this.#conn;
    if (conn !== null && this.#welcomed) {
      conn.write(encodeFrame({ type: "bye" }));
    }
    this.#ended = true;
    this.#disarm();
    if (conn === null) return;
    conn.end();
    const timers = this.#owner.timers;
    const timer = timers.setTimeout(() => conn.destroy(), CLOSE_GRACE_MS);
    await this.#closed.promise;
    timers.clearTimeout(timer);
    this.#owner.ended(this, "closed");
  }

  // --- input ---

  static readonly #LINE = function (this: Connection, line: string): void {
    this.#onLine(line);
  };

  #onLine(line: string): void {
    if (this.#ended) return;
    const owner = this.#owner;
    const parsed = parseServerFrame(line);
    if (!parsed.ok) {
      // Not a sign of life: a server that sends garbage is as good as dead.
      this.#invalidLine(parsed.message);
      return;
    }
    const now = owner.clock.now();
    this.#lastHeardAt = now;
    const frame = parsed.frame;
    if (frame.type === "welcome") {
      if (this.#welcomed) return;
      const wrong = welcomeOutOfBounds(frame, owner.serverBounds);
      if (wrong === undefined) this.#onWelcome(frame, now);
      else this.#protocolError(wrong);
      return;
    }
    if (frame.type === "pong") {
      const sentAt = this.#pings.get(frame.seq);
      this.#pings.delete(frame.seq);
      owner.emit("pong", {
        seq: frame.seq,
        ...(sentAt === undefined ? {} : { rtt: now - sentAt }),
      });
    }
    if (frame.type === "bye" && frame.retryAfter !== undefined) {
      const wrong = retryAfterOutOfBounds(frame.retryAfter, owner.serverBounds);
      if (wrong !== undefined) {
        // The hint is ignored: the backoff decides.
        this.#protocolError(wrong);
        return;
      }
      this.retryAfter = frame.retryAfter;
    }
    owner.received(this, frame);
  }

  #invalidLine(message: string): void {
    const owner = this.#owner;
    owner.emit("error", {
      source: "client",
      code: "invalid_server_frame",
      message,
    });
    const limit = owner.serverBounds.maxInvalidLines;
    if (++this.#invalidLines >= limit && !this.#ended) {
      this.end(
        "protocol_error",
        `Closing after ${this.#invalidLines} invalid lines from the server`,
      );
    }
  }

  /** A frame the client cannot accept: one error event, then the end. */
  #protocolError(message: string): void {
    this.#owner.emit("error", {
      source: "client",
      code: "invalid_server_frame",
      message,
    });
    this.end("protocol_error", message);
  }

  #onWelcome(frame: WelcomeFrame, now: number): void {
    this.#welcomed = true;
    this.#policy = { interval: frame.interval, timeout: frame.timeout };
    this.#interval = this.#owner.interval(this.#policy);
    this.#nextPingAt = now + this.#interval;
    this.#owner.welcomed(this, frame, now);
    this.#arm();
  }

  // --- heartbeats ---

  #onTick(): void {
    this.#timer = undefined;
    if (!this.checkAlive()) return;
    if (this.#welcomed && this.#owner.clock.now() >= this.#nextPingAt) {
      this.#ping();
    }
    this.#arm();
  }

  #ping(): void {
    const now = this.#owner.clock.now();
    const seq = ++this.#seq;
    this.#pings.set(seq, now);
    if (this.#pings.size > MAX_PINGS_TIMED) {
      this.#pings.delete(this.#pings.keys().next().value!);
    }
    this.#nextPingAt = now + this.#interval;
    this.#owner.pinged();
    this.write(encodePing(seq));
  }

  /** Sets the one timer to the next check: a ping, the deadline or a tick. */
  #arm(): void {
    if (this.#ended) return;
    this.#disarm();
    const owner = this.#owner;
    const now = owner.clock.now();
    const deadline = this.#welcomed
      ? Math.min(this.#nextPingAt, this.#lastHeardAt + this.#policy!.timeout)
      : this.#openedAt + owner.connectTimeout;
    const delay = Math.max(0, Math.min(deadline - now, owner.tick));
    this.#timer = owner.timers.setTimeout(() => this.#onTick(), delay);
  }

  #disarm(): void {
    if (this.#timer !== undefined) {
      this.#owner.timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
