/**
 * The Lifeline client: connects, says `hello`, follows the server's heartbeat
 * policy, judges the server's liveness by timestamps, and reconnects with
 * jittered backoff when the server dies.
 *
 * @module
 */

import type {
  ClientMsgFrame,
  ServerFrame,
  WelcomeFrame,
} from "../protocol/frames.ts";
import { TypedEventTarget } from "../common/typed_event_target.ts";
import { isValidName } from "../protocol/frames.ts";
import { encodeFrame, encodePing } from "../protocol/encode.ts";
import { LineDecoder } from "../protocol/line_decoder.ts";
import { parseServerFrame } from "../protocol/parse.ts";
import { AdaptiveHeartbeat, type AdaptiveStep } from "./adaptive_heartbeat.ts";
import { Backoff } from "./backoff.ts";
import type {
  ClientCloseDetail,
  ClientCloseReason,
  DisconnectReason,
  LifelineClientEventMap,
  WelcomeDetail,
} from "./events.ts";
import { errorMessage, writeAll } from "./_wire.ts";
import { sleepAwareClock } from "./_clock.ts";
import type { ClientOptions, ClientTimers } from "./options.ts";

const realTimers: ClientTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) =>
    clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Session {
  conn: Deno.TcpConn;
  decoder: LineDecoder;
  openedAt: number;
  welcomed: boolean;
  ended: boolean;
  lastHeardAt: number;
  serverInterval: number;
  timeout: number;
  interval: number;
  nextPingAt: number;
  seq: number;
  pings: Map<number, number>;
  writes: Promise<void>;
  reader: Promise<void>;
  retryAfter?: number;
}

/**
 * A client of a Lifeline server. The constructor starts connecting at once
 * and keeps reconnecting according to `reconnect`; watch its events. To
 * wait for the first `welcome` and fail fast when the server is not there,
 * use {@link connect} instead.
 *
 * Liveness: the client pings every interval (the server's, doubled after
 * each `too_many_pings`, or the adaptive one) and declares the server dead
 * when nothing at all has arrived from it for `welcome.timeout`. It judges
 * that by timestamps, checked on every tick (at most `tick` apart) and
 * before every send, so a process that was paused or a laptop that slept
 * notices at once when it wakes.
 *
 * @example Listen to events, send, close
 * ```ts
 * import { LifelineClient } from "@lifeline/lifeline/client";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * await using client = new LifelineClient({ name: "B", port: server.addr.port });
 * client.addEventListener("message", (e) => console.log(e.detail.from, e.detail.body));
 * client.addEventListener("reconnected", (e) => console.log("back after", e.detail.downtime, "ms"));
 * console.log(client.send("hi all")); // "queued": it goes out after the first welcome
 * await new Promise((resolve) => client.addEventListener("welcome", resolve, { once: true }));
 * console.log(client.connected, client.queued); // true 0
 * ```
 */
export class LifelineClient extends TypedEventTarget<LifelineClientEventMap> {
  #name: string;
  #hostname: string;
  #port: number;
  #connectTimeout: number;
  #tick: number;
  #maxQueue: number;
  #maxFrameBytes: number;
  #clock: () => number;
  #timers: ClientTimers;
  #reconnect: boolean;
  #maxAttempts: number;
  #backoff: Backoff;
  #adaptive: AdaptiveHeartbeat | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = () => void this.close("aborted");

  #session: Session | undefined;
  #welcome: WelcomeDetail | undefined;
  #queue: ClientMsgFrame[] = [];
  #intervalMultiplier = 1;
  #attempts = 0;
  #lostAt: number | undefined;
  #closed = false;
  #giveUp: ClientCloseReason | undefined;
  #closing: Promise<ClientCloseDetail> | undefined;
  #resolveClosed!: (detail: ClientCloseDetail) => void;
  #closedPromise: Promise<ClientCloseDetail>;
  #tickTimer: unknown;
  #retryTimer: unknown;
  #connectAbort: AbortController | undefined;
  #tasks = new Set<Promise<void>>();

  /**
   * Creates the client and starts connecting (on the next microtask, so
   * listeners added right after construction see every event).
   *
   * @param options Where to connect, the name, and the policies.
   */
  constructor(options: ClientOptions) {
    super();
    if (!isValidName(options.name)) {
      throw new TypeError(
        `Cannot use client name ${
          JSON.stringify(options.name)
        }: expected 1 to 64 characters from A-Z a-z 0-9 _ - .`,
      );
    }
    this.#name = options.name;
    this.#hostname = options.hostname ?? options.host ?? "127.0.0.1";
    this.#port = options.port ?? 9090;
    if (!Number.isInteger(this.#port) || this.#port < 1 || this.#port > 65535) {
      throw new RangeError(
        `Cannot use port "${this.#port}": expected an integer from 1 to 65535`,
      );
    }
    this.#connectTimeout = positive(
      "connectTimeout",
      options.connectTimeout ?? 10_000,
    );
    this.#tick = positive("tick", options.tick ?? 1000);
    this.#maxQueue = options.maxQueue ?? 100;
    if (!Number.isInteger(this.#maxQueue) || this.#maxQueue < 0) {
      throw new RangeError(
        `Cannot use maxQueue "${this.#maxQueue}": expected an integer of at least 0`,
      );
    }
    this.#maxFrameBytes = positive(
      "maxFrameBytes",
      options.maxFrameBytes ?? 65536,
    );
    this.#clock = options.clock ?? sleepAwareClock();
    this.#timers = options.timers ?? realTimers;
    const reconnect = options.reconnect ?? true;
    this.#reconnect = reconnect !== false;
    const policy = typeof reconnect === "object" ? reconnect : {};
    this.#maxAttempts = policy.maxAttempts ?? Infinity;
    this.#backoff = new Backoff(policy);
    const adaptive = options.adaptive ?? false;
    if (adaptive !== false) {
      this.#adaptive = new AdaptiveHeartbeat({
        ...(typeof adaptive === "object" ? adaptive : {}),
        clock: this.#clock,
      });
    }
    this.#closedPromise = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#signal = options.signal;
    if (this.#signal?.aborted) {
      throw this.#signal.reason ?? new DOMException("Aborted", "AbortError");
    }
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    queueMicrotask(() => this.#track(this.#attempt()));
  }

  /** The client's name. */
  get name(): string {
    return this.#name;
  }

  /** Whether a connection is up and welcomed right now. */
  get connected(): boolean {
    const session = this.#session;
    return session !== undefined && session.welcomed && !session.ended;
  }

  /** The last `welcome` received, or `undefined` before the first. */
  get welcome(): WelcomeDetail | undefined {
    return this.#welcome;
  }

  /** The ping interval in force, in milliseconds, or `undefined` when not connected. */
  get interval(): number | undefined {
    return this.connected ? this.#session!.interval : undefined;
  }

  /** The adaptive interval's state machine, when `adaptive` is on. */
  get adaptive(): AdaptiveHeartbeat | undefined {
    return this.#adaptive;
  }

  /** Messages waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Resolves when the client has closed for good. */
  get closed(): Promise<ClientCloseDetail> {
    return this.#closedPromise;
  }

  /**
   * Sends a message to one client by name, or to every other client.
   * Delivery is at most once: the protocol has no acknowledgements, so a
   * message written just before the connection dies may be lost with it.
   * While disconnected, messages wait in a bounded queue and go out, in
   * order, after the next `welcome`.
   *
   * @param body The message text.
   * @param to The recipient's name; without it, everyone else.
   * @returns `"sent"` when written to the connection, `"queued"` when kept
   *   for the next one.
   * @throws {Error} When the client is closed.
   * @throws {RangeError} When the queue is full or the message is too large.
   * @throws {TypeError} When `to` is not a valid name.
   */
  send(body: string, to?: string): "sent" | "queued" {
    if (this.#closed) {
      throw new Error(`Cannot send: client "${this.#name}" is closed`);
    }
    if (to !== undefined && !isValidName(to)) {
      throw new TypeError(
        `Cannot send to ${JSON.stringify(to)}: not a valid client name`,
      );
    }
    const frame: ClientMsgFrame = to === undefined
      ? { type: "msg", body }
      : { type: "msg", to, body };
    const line = encodeFrame(frame);
    const size = new TextEncoder().encode(line).length - 1;
    if (size > this.#maxFrameBytes) {
      throw new RangeError(
        `Cannot send a message of ${size} bytes: the limit is ${this.#maxFrameBytes}`,
      );
    }
    const session = this.#session;
    if (
      session !== undefined && session.welcomed && !session.ended &&
      this.#checkAlive(session)
    ) {
      this.#write(session, line);
      return "sent";
    }
    if (this.#closed) {
      // The liveness check just found the server dead and reconnecting is off.
      throw new Error(`Cannot send: client "${this.#name}" is closed`);
    }
    if (this.#queue.length >= this.#maxQueue) {
      throw new RangeError(
        `Cannot queue a message: ${this.#maxQueue} messages already wait for a connection`,
      );
    }
    this.#queue.push(frame);
    return "queued";
  }

  /**
   * Closes the client for good: no more reconnects. Queued messages are
   * not sent; the `close` event and the returned detail list them.
   *
   * @param reason Why, as reported in the `close` event.
   * @returns The `close` event's detail.
   */
  close(reason: ClientCloseReason = "closed"): Promise<ClientCloseDetail> {
    this.#closing ??= this.#shutdown(reason);
    return this.#closing;
  }

  /**
   * Closes the client; for `await using`.
   *
   * @returns A promise that settles when closed.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    const attempt = ++this.#attempts;
    this.emit("connecting", {
      attempt,
      hostname: this.#hostname,
      port: this.#port,
    });
    const abort = new AbortController();
    this.#connectAbort = abort;
    const timer = this.#timers.setTimeout(
      () => abort.abort(),
      this.#connectTimeout,
    );
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({
        hostname: this.#hostname,
        port: this.#port,
        signal: abort.signal,
      });
    } catch (error) {
      if (this.#closed) return;
      const timedOut = abort.signal.aborted;
      this.emit("error", {
        source: "client",
        code: "connect_failed",
        message: timedOut
          ? `Cannot connect to ${this.#hostname}:${this.#port}: no answer within ${this.#connectTimeout}ms`
          : `Cannot connect to ${this.#hostname}:${this.#port}: ${
            errorMessage(error)
          }`,
      });
      this.#scheduleReconnect(undefined);
      return;
    } finally {
      this.#timers.clearTimeout(timer);
      this.#connectAbort = undefined;
    }
    if (this.#closed) {
      conn.close();
      return;
    }
    try {
      conn.setKeepAlive(true);
      conn.setNoDelay(true);
    } catch {
      // The socket may already be gone; the reader will notice.
    }
    const now = this.#clock();
    const session: Session = {
      conn,
      decoder: new LineDecoder({ maxFrameBytes: this.#maxFrameBytes }),
      openedAt: now,
      welcomed: false,
      ended: false,
      lastHeardAt: now,
      serverInterval: 0,
      timeout: this.#connectTimeout,
      interval: 0,
      nextPingAt: Infinity,
      seq: 0,
      pings: new Map(),
      writes: Promise.resolve(),
      reader: Promise.resolve(),
    };
    this.#session = session;
    session.reader = this.#read(session);
    this.#track(session.reader);
    this.#write(session, encodeFrame({ type: "hello", name: this.#name }));
    let localAddr = "";
    try {
      const local = conn.localAddr;
      localAddr = `${local.hostname}:${local.port}`;
    } catch {
      // Not available once closed.
    }
    this.emit("open", { attempt, localAddr });
    this.#arm(session);
  }

  async #read(session: Session): Promise<void> {
    const buffer = new Uint8Array(65536);
    while (!session.ended) {
      let n: number | null;
      try {
        n = await session.conn.read(buffer);
      } catch (error) {
        if (!session.ended) {
          this.#end(session, "socket_error", errorMessage(error));
        }
        return;
      }
      if (session.ended) return;
      if (n === null) {
        this.#end(session, "eof");
        return;
      }
      const result = session.decoder.push(
        buffer.subarray(0, n),
        (line) => this.#onLine(session, line),
      );
      if (result === "frame_too_large" && !session.ended) {
        const message =
          `Cannot read a server frame longer than ${this.#maxFrameBytes} bytes`;
        this.emit("error", {
          source: "client",
          code: "frame_too_large",
          message,
        });
        this.#end(session, "protocol_error", message);
      }
    }
  }

  #onLine(session: Session, line: string): void {
    if (session.ended) return;
    const now = this.#clock();
    session.lastHeardAt = now;
    const parsed = parseServerFrame(line);
    if (!parsed.ok) {
      this.emit("error", {
        source: "client",
        code: "invalid_server_frame",
        message: parsed.message,
      });
      return;
    }
    const frame: ServerFrame = parsed.frame;
    switch (frame.type) {
      case "welcome":
        this.#onWelcome(session, frame, now);
        break;
      case "pong": {
        const sentAt = session.pings.get(frame.seq);
        session.pings.delete(frame.seq);
        const step = this.#adaptive?.pongReceived();
        if (step !== undefined) this.#onAdaptive(session, step);
        this.emit("pong", {
          seq: frame.seq,
          ...(sentAt === undefined ? {} : { rtt: now - sentAt }),
        });
        break;
      }
      case "msg":
        this.emit("message", frame);
        break;
      case "presence":
        this.emit("presence", frame);
        break;
      case "error":
        this.emit("error", {
          source: "server",
          code: frame.code,
          message: frame.message,
        });
        if (frame.code === "too_many_pings") {
          // As gRPC clients do: the server thinks we ping too often.
          this.#intervalMultiplier *= 2;
          if (session.welcomed) this.#updateInterval(session, "too_many_pings");
        }
        break;
      case "bye":
        this.emit("bye", frame);
        if (frame.reason === "replaced") {
          // Another client took this name. Coming back would take it back
          // and start a tug of war, so close for good.
          this.#giveUp = "replaced";
          this.#end(session, "bye");
          return;
        }
        session.retryAfter = frame.retryAfter;
        this.#end(session, "bye");
        break;
    }
  }

  #onWelcome(session: Session, frame: WelcomeFrame, now: number): void {
    if (session.welcomed) return;
    session.welcomed = true;
    session.serverInterval = frame.interval;
    session.timeout = frame.timeout;
    if (this.#adaptive !== undefined) {
      this.#adaptive.setCeiling(ceilingOf(frame));
      this.#adaptive.pongTimeout = frame.timeout;
    }
    session.interval = this.#computeInterval(session);
    session.nextPingAt = now + session.interval;
    this.#backoff.connected(now);
    const attempts = this.#attempts;
    this.#attempts = 0;
    const reconnect = this.#lostAt !== undefined;
    const previous = this.#welcome?.effectiveInterval;
    this.#welcome = {
      id: frame.id,
      interval: frame.interval,
      timeout: frame.timeout,
      effectiveInterval: session.interval,
      reconnect,
    };
    this.emit("welcome", { ...this.#welcome });
    if (reconnect) {
      this.emit("reconnected", { attempts, downtime: now - this.#lostAt! });
      this.#lostAt = undefined;
    }
    if (previous !== session.interval) {
      this.emit("interval", { interval: session.interval, reason: "welcome" });
    }
    const queued = this.#queue.splice(0);
    for (const message of queued) {
      if (session.ended) {
        this.#queue.push(message);
      } else {
        this.#write(session, encodeFrame(message));
      }
    }
    this.#arm(session);
  }

  #computeInterval(session: Session): number {
    const ceiling = ceilingOf({
      interval: session.serverInterval,
      timeout: session.timeout,
    });
    if (this.#adaptive !== undefined) {
      return Math.max(
        1,
        Math.min(ceiling, this.#adaptive.interval * this.#intervalMultiplier),
      );
    }
    return Math.min(
      Math.max(ceiling, session.serverInterval),
      session.serverInterval * this.#intervalMultiplier,
    );
  }

  #updateInterval(
    session: Session,
    reason: "too_many_pings" | "adaptive",
  ): void {
    const interval = this.#computeInterval(session);
    if (interval === session.interval) return;
    const lastPing = session.nextPingAt - session.interval;
    session.interval = interval;
    session.nextPingAt = lastPing + interval;
    if (this.#welcome !== undefined) this.#welcome.effectiveInterval = interval;
    this.emit("interval", { interval, reason });
    this.#arm(session);
  }

  #onAdaptive(session: Session | undefined, step: AdaptiveStep): void {
    this.emit("adaptive", step);
    if (session !== undefined && session.welcomed && !session.ended) {
      this.#updateInterval(session, "adaptive");
    }
  }

  /** Checks the server's liveness; ends the session and returns false if dead. */
  #checkAlive(session: Session): boolean {
    if (session.ended) return false;
    const now = this.#clock();
    if (!session.welcomed) {
      if (now - session.openedAt >= this.#connectTimeout) {
        this.emit("dead", {
          silentFor: now - session.lastHeardAt,
          timeout: this.#connectTimeout,
          handshake: true,
        });
        this.emit("error", {
          source: "client",
          code: "handshake_timeout",
          message:
            `No welcome from ${this.#hostname}:${this.#port} within ${this.#connectTimeout}ms`,
        });
        this.#end(session, "handshake_timeout");
        return false;
      }
      return true;
    }
    const silentFor = now - session.lastHeardAt;
    if (silentFor >= session.timeout) {
      this.emit("dead", {
        silentFor,
        timeout: session.timeout,
        handshake: false,
      });
      this.#end(session, "dead");
      return false;
    }
    return true;
  }

  #onTick(session: Session): void {
    this.#tickTimer = undefined;
    if (!this.#checkAlive(session)) return;
    if (session.welcomed && this.#clock() >= session.nextPingAt) {
      this.#ping(session);
    }
    this.#arm(session);
  }

  #ping(session: Session): void {
    const now = this.#clock();
    const seq = ++session.seq;
    session.pings.set(seq, now);
    if (session.pings.size > 64) {
      session.pings.delete(session.pings.keys().next().value!);
    }
    session.nextPingAt = now + session.interval;
    if (this.#adaptive !== undefined) {
      const expired = this.#adaptive.pingSent();
      if (expired !== undefined) this.#onAdaptive(session, expired);
    }
    this.#write(session, encodePing(seq));
  }

  /** Sets the one timer to the next check: a ping, the deadline or a tick. */
  #arm(session: Session): void {
    if (session.ended || this.#closed) return;
    if (this.#tickTimer !== undefined) {
      this.#timers.clearTimeout(this.#tickTimer);
    }
    const now = this.#clock();
    const deadline = session.welcomed
      ? Math.min(session.nextPingAt, session.lastHeardAt + session.timeout)
      : session.openedAt + this.#connectTimeout;
    const delay = Math.max(0, Math.min(deadline - now, this.#tick));
    this.#tickTimer = this.#timers.setTimeout(
      () => this.#onTick(session),
      delay,
    );
  }

  #write(session: Session, line: string): void {
    session.writes = session.writes.then(async () => {
      if (session.ended) return;
      try {
        await writeAll(session.conn, line);
      } catch (error) {
        if (!session.ended) {
          this.#end(session, "socket_error", errorMessage(error));
        }
      }
    });
  }

  #end(session: Session, reason: DisconnectReason, message?: string): void {
    if (session.ended) return;
    session.ended = true;
    if (this.#session === session) this.#session = undefined;
    if (this.#tickTimer !== undefined) {
      this.#timers.clearTimeout(this.#tickTimer);
      this.#tickTimer = undefined;
    }
    try {
      session.conn.close();
    } catch {
      // Already closed.
    }
    const now = this.#clock();
    if (session.welcomed) {
      this.#backoff.disconnected(now);
      this.#lostAt ??= now;
    }
    if (this.#adaptive !== undefined && session.welcomed && !this.#closed) {
      this.#onAdaptive(undefined, this.#adaptive.connectionLost());
    }
    this.emit("disconnect", {
      reason,
      welcomed: session.welcomed,
      ...(message === undefined ? {} : { message }),
    });
    if (!this.#closed) this.#scheduleReconnect(session.retryAfter);
  }

  #scheduleReconnect(retryAfter: number | undefined): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    if (this.#giveUp !== undefined) {
      void this.close(this.#giveUp);
      return;
    }
    if (!this.#reconnect || this.#attempts >= this.#maxAttempts) {
      void this.close("gave_up");
      return;
    }
    const delay = this.#backoff.next({ retryAfter });
    this.emit("reconnecting", {
      attempt: this.#attempts + 1,
      delay,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
    if (this.#closed) return;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#track(this.#attempt());
    }, delay);
  }

  async #shutdown(reason: ClientCloseReason): Promise<ClientCloseDetail> {
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#retryTimer !== undefined) {
      this.#timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#connectAbort?.abort();
    const session = this.#session;
    if (session !== undefined) {
      // Let what is already written go out before the socket closes.
      await session.writes;
      this.#end(session, "closed");
    }
    while (this.#tasks.size > 0) {
      await Promise.allSettled([...this.#tasks]);
    }
    if (session !== undefined) await session.writes;
    const detail: ClientCloseDetail = { reason, unsent: this.#queue.splice(0) };
    this.emit("close", detail);
    this.#resolveClosed(detail);
    return detail;
  }
}

/** The longest interval the server tolerates with a margin of one of its intervals. */
function ceilingOf(frame: { interval: number; timeout: number }): number {
  return frame.timeout > frame.interval
    ? frame.timeout - frame.interval
    : Math.max(1, Math.floor(frame.timeout / 2));
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot use ${name} "${value}": expected a positive number`,
    );
  }
  return value;
}
