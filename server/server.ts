/**
 * The Lifeline heartbeat server: protocol handling above the transport
 * seam, liveness in the heartbeat registry.
 *
 * @module
 */

import {
  type ByeFrame,
  encodeFrame,
  encodePong,
  type ErrorCode,
  GO_FRAME_PREFIX,
  GO_HEARTBEAT,
  GoFrameDecoder,
  type GoParseResult,
  isValidName,
  LineDecoder,
  type OfflineReason,
  parseClientFrame,
} from "../protocol/mod.ts";
import {
  TypedEventTarget,
  type TypedListener,
} from "../common/typed_event_target.ts";
import { denoTransport } from "./deno_transport.ts";
import type {
  ClientInfo,
  CloseReason,
  LifelineServerEventMap,
} from "./events.ts";
import { fastPingSeq } from "./_fast_ping.ts";
import {
  type Clock,
  globalTimers,
  HeartbeatRegistry,
  monotonicClock,
} from "./heartbeat_registry.ts";
import { nodeTransport } from "./node_transport.ts";
import {
  type ResolvedServerOptions,
  resolveServerOptions,
  type ServerOptions,
} from "./options.ts";
import { jitteredRetryAfter, spreadRetryAfter } from "./retry_after.ts";
import {
  MODE_GO,
  MODE_LINES,
  Session,
  SESSION_REBASE_MS,
  STATE_CLOSED,
  STATE_CLOSING,
  STATE_OPEN,
} from "./_session.ts";
import type {
  ConnectionHandler,
  Transport,
  TransportAddr,
  TransportConn,
  TransportListener,
} from "./transport.ts";

const GO_PREFIX_BYTES = new TextEncoder().encode(GO_FRAME_PREFIX);

/**
 * A listener for one of a {@link LifelineServer}'s events: a function or an
 * object with `handleEvent`.
 *
 * @typeParam K The event type.
 */
export type LifelineServerListener<K extends keyof LifelineServerEventMap> =
  TypedListener<LifelineServerEventMap[K]>;

/**
 * A running Lifeline server. Listen to its typed events with
 * `addEventListener`; stop it with `close()`, its `signal` option, or
 * `await using`.
 *
 * @example Start, inspect and stop a server
 * ```ts
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * server.addEventListener("connect", (event) => {
 *   console.log("online:", event.detail.name);
 * });
 * console.log(server.addr.port > 0, server.clients().length); // true 0
 * ```
 */
export class LifelineServer extends TypedEventTarget<LifelineServerEventMap> {
  #options: ResolvedServerOptions;
  #listener: TransportListener | null = null;
  #transport: Transport;
  #clock: Clock;
  #random: () => number;
  #registry: HeartbeatRegistry<Session>;
  #sessions = new Set<Session>();
  // Sessions count time in whole milliseconds from here (see Session).
  #epoch: number;
  #names = new Map<string, Session>();
  #openCount = 0;
  #nextId = 0;
  #closing: Promise<void> | null = null;
  #allClosed: (() => void) | null = null;
  #signal: AbortSignal | undefined;
  #onAbort: () => void;
  #current: Session | null = null;
  #onLine: (line: string) => void;
  #onGoFrame: (result: GoParseResult) => void;
  #handler: ConnectionHandler<Session>;

  /**
   * Use {@link startServer} instead: it listens and returns the server.
   *
   * @param options The server's options.
   */
  constructor(options: ServerOptions = {}) {
    super();
    this.#options = resolveServerOptions(options);
    const transport = options.transport ?? "node";
    this.#transport = transport === "deno"
      ? denoTransport()
      : transport === "node"
      ? nodeTransport()
      : transport;
    this.#clock = options.clock ?? monotonicClock;
    this.#epoch = Math.floor(this.#clock.now());
    this.#random = options.random ?? Math.random;
    this.#signal = options.signal;
    this.#registry = new HeartbeatRegistry<Session>({
      timeoutMs: this.#options.timeout,
      tickMs: this.#options.tick,
      clock: this.#clock,
      timers: options.timers ?? globalTimers,
      onExpire: (session, now) => this.#expire(session, now),
    });
    this.#onAbort = () => void this.close();
    this.#onLine = (line) => this.#line(this.#current!, line);
    this.#onGoFrame = (result) => this.#goFrame(this.#current!, result);
    this.#handler = {
      open: (conn) => this.#open(conn),
      data: (session, chunk) => this.#data(session, chunk),
      closed: (session) => this.#closed(session),
    };
  }

  /** The address the server listens on (with the real port). */
  get addr(): TransportAddr {
    if (this.#listener === null) {
      throw new TypeError("Cannot read addr: the server is not listening");
    }
    return this.#listener.addr;
  }

  /** The options in force, with defaults filled in. */
  get options(): Readonly<ResolvedServerOptions> {
    return this.#options;
  }

  /**
   * What the transport's connections run on, where it has a choice:
   * `"bare handles"` or `"net.Socket"` for `"node"`; `undefined` otherwise
   * or before listening.
   */
  get transportDetail(): string | undefined {
    return this.#listener?.detail;
  }

  /** The transport's name: `"deno"`, `"node"` or a custom one. */
  get transport(): string {
    return this.#transport.name;
  }

  /** The number of open connections, registered or not. */
  get connectionCount(): number {
    return this.#openCount;
  }

  /** How many connections the last sweep tick visited (for benchmarks). */
  get lastSweepVisited(): number {
    return this.#registry.lastSweepVisited;
  }

  /**
   * Listens. Called by {@link startServer}.
   *
   * @returns A promise that settles once the server listens.
   */
  async listen(): Promise<void> {
    this.#signal?.throwIfAborted();
    this.#listener = await this.#transport.listen({
      hostname: this.#options.hostname,
      port: this.#options.port,
      keepAliveInitialDelayMs: this.#options.keepAliveInitialDelay,
      maxWriteBufferBytes: this.#options.maxWriteBufferBytes,
    }, this.#handler);
    this.#registry.start();
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * A snapshot of the registered clients.
   *
   * @returns One entry per client, in registration order.
   */
  clients(): ClientInfo[] {
    const list: ClientInfo[] = [];
    for (const session of this.#names.values()) {
      list.push(session.info(this.#epoch));
    }
    return list;
  }

  /**
   * Shuts down: stops accepting, sends every client `bye {reason:
   * "shutdown", retryAfter}` with retry hints spread over the configured
   * window, half-closes every connection, waits up to `shutdownGrace` for
   * the clients to close, then cuts the rest. Safe to call more than once.
   *
   * @returns A promise that settles when every connection is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * Shuts the server down; see {@link close}.
   *
   * @returns A promise that settles when the server is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const listenerClosed = this.#listener?.close() ?? Promise.resolve();
    const open: Session[] = [];
    for (const session of this.#sessions) {
      if (session.state === STATE_OPEN) open.push(session);
    }
    const hints = spreadRetryAfter(open.length, {
      minMs: this.#options.retryAfterMin,
      spreadMs: this.#options.retryAfterSpread,
      random: this.#random,
    });
    const deadline = this.#clock.now() + this.#options.shutdownGrace;
    for (let i = 0; i < open.length; i++) {
      const session = open[i];
      this.#finish(session, "shutdown", {
        type: "bye",
        reason: "shutdown",
        retryAfter: hints[i],
      }, false);
      this.#registry.setDeadline(session, deadline);
    }
    if (this.#sessions.size > 0) {
      await new Promise<void>((resolve) => this.#allClosed = resolve);
    }
    this.#registry.stop();
    await listenerClosed;
  }

  // --- transport callbacks ---

  #open(conn: TransportConn): Session {
    const now = this.#clock.now();
    const session = new Session(conn, ++this.#nextId, this.#sinceEpoch(now));
    this.#sessions.add(session);
    if (this.#closing !== null) {
      this.#refuse(session, "shutdown");
    } else if (this.#openCount >= this.#options.maxConnections) {
      this.#refuse(session, "server_full");
    } else {
      this.#openCount++;
      this.#registry.add(session);
    }
    return session;
  }

  /**
   * A time on the server's clock as whole milliseconds since its epoch. Once
   * that reaches {@link SESSION_REBASE_MS}, the epoch moves forward and every
   * session's times with it (once in about 12 days).
   */
  #sinceEpoch(now: number): number {
    const since = Math.floor(now) - this.#epoch;
    // `| 0` makes it an int32 for V8, stored inside the session; a whole
    // number computed as a double would be boxed.
    if (since < SESSION_REBASE_MS) return since | 0;
    const shift = since - 1000;
    this.#epoch += shift;
    for (const session of this.#sessions) session.rebase(shift);
    return (since - shift) | 0;
  }

  #refuse(session: Session, reason: "shutdown" | "server_full"): void {
    session.state = STATE_CLOSING;
    const retryAfter = jitteredRetryAfter({
      minMs: this.#options.retryAfterMin,
      spreadMs: this.#options.retryAfterSpread,
      random: this.#random,
    });
    session.conn.write(encodeFrame({ type: "bye", reason, retryAfter }));
    session.conn.end();
    this.#registry.setDeadline(
      session,
      this.#clock.now() + this.#options.closeGrace,
    );
  }

  #data(session: Session, chunk: Uint8Array): void {
    if (session.state !== STATE_OPEN) return;
    const previous = this.#current;
    this.#current = session;
    try {
      if (session.mode === MODE_LINES) {
        this.#pushLines(session, chunk);
      } else if (session.mode === MODE_GO) {
        this.#pushGo(session, chunk);
      } else {
        this.#sniff(session, chunk);
      }
    } finally {
      this.#current = previous;
    }
  }

  #sniff(session: Session, chunk: Uint8Array): void {
    const before = session.sniffed;
    const prefix = GO_PREFIX_BYTES;
    let i = 0;
    while (i < chunk.length && session.sniffed < prefix.length) {
      if (chunk[i] !== prefix[session.sniffed]) {
        session.mode = MODE_LINES;
        session.lines = new LineDecoder({
          maxFrameBytes: this.#options.maxFrameBytes,
        });
        if (before > 0) this.#pushLines(session, prefix.subarray(0, before));
        if (session.state === STATE_OPEN) this.#pushLines(session, chunk);
        return;
      }
      session.sniffed++;
      i++;
    }
    if (session.sniffed === prefix.length) {
      session.mode = MODE_GO;
      session.go = new GoFrameDecoder({
        maxFrameBytes: this.#options.maxFrameBytes,
      });
      if (before > 0) this.#pushGo(session, prefix.subarray(0, before));
      this.#pushGo(session, chunk);
    }
  }

  #pushLines(session: Session, chunk: Uint8Array): void {
    if (session.lines!.push(chunk, this.#onLine) === "frame_too_large") {
      if (session.state !== STATE_OPEN) return;
      this.#sendError(
        session,
        "frame_too_large",
        `Frame longer than ${this.#options.maxFrameBytes} bytes`,
      );
      this.#finish(session, "protocol_error", {
        type: "bye",
        reason: "protocol_error",
      });
    }
  }

  #pushGo(session: Session, chunk: Uint8Array): void {
    if (session.go!.push(chunk, this.#onGoFrame) === "frame_too_large") {
      if (session.state === STATE_OPEN) {
        this.#finish(session, "protocol_error", undefined);
      }
    }
  }

  #closed(session: Session): void {
    if (session.state === STATE_OPEN) {
      this.#finish(session, "closed", undefined);
    }
    session.state = STATE_CLOSED;
    this.#registry.remove(session);
    this.#sessions.delete(session);
    if (this.#sessions.size === 0 && this.#allClosed !== null) {
      const resolve = this.#allClosed;
      this.#allClosed = null;
      resolve();
    }
  }

  #expire(session: Session, now: number): void {
    if (session.state === STATE_OPEN) {
      if (this.hasListeners("timeout")) {
        this.emit("timeout", {
          id: session.id,
          client: session.name === null ? null : session.info(this.#epoch),
          remoteAddr: session.conn.remoteAddr,
          silentMs: now - (this.#epoch + session.seenMs),
        });
      }
      this.#finish(session, "timeout", { type: "bye", reason: "timeout" });
    } else {
      // The grace period after `bye` is over.
      session.conn.destroy();
    }
  }

  // --- frames ---

  #line(session: Session, line: string): void {
    if (session.state !== STATE_OPEN) return;
    const nowMs = this.#sinceEpoch(this.#registry.touch(session));
    session.seenMs = nowMs;
    const seq = fastPingSeq(line);
    if (seq >= 0) {
      this.#ping(session, seq, nowMs);
      return;
    }
    const result = parseClientFrame(line);
    if (!result.ok) {
      if (result.code === "unknown_type") {
        this.#sendError(session, result.code, result.message);
      } else {
        this.#invalid(session, result.code, result.message);
      }
      return;
    }
    const frame = result.frame;
    if (frame.type === "hello") {
      if (session.name !== null) {
        this.#sendError(
          session,
          "duplicate_hello",
          `Already registered as "${session.name}"`,
        );
        return;
      }
      this.#register(session, frame.name);
      return;
    }
    if (session.name === null) {
      this.#invalid(
        session,
        "hello_required",
        `Cannot accept a "${frame.type}" frame before "hello"`,
      );
      return;
    }
    if (frame.type === "ping") {
      this.#ping(session, frame.seq, nowMs);
    } else {
      this.#message(session, frame.to, frame.body);
    }
  }

  /** `nowMs` is the frame's arrival, in milliseconds since the epoch. */
  #ping(session: Session, seq: number, nowMs: number): void {
    if (session.name === null) {
      this.#invalid(
        session,
        "hello_required",
        'Cannot accept a "ping" frame before "hello"',
      );
      return;
    }
    if (nowMs - session.pingMs < this.#options.minPingInterval) {
      if (++session.pingStrikes > this.#options.maxPingStrikes) {
        this.#sendError(
          session,
          "too_many_pings",
          `Pings less than ${this.#options.minPingInterval}ms apart, ${session.pingStrikes} times`,
        );
        this.#finish(session, "too_many_pings", {
          type: "bye",
          reason: "too_many_pings",
        });
        return;
      }
    } else {
      session.pingStrikes = 0;
    }
    session.pingMs = nowMs;
    session.conn.write(encodePong(seq));
    if (this.hasListeners("heartbeat")) {
      this.emit("heartbeat", { client: session.info(this.#epoch), seq });
    }
  }

  #message(session: Session, to: string | undefined, body: string): void {
    if (to !== undefined) {
      const target = this.#names.get(to);
      if (target === undefined || target.mode === MODE_GO) {
        this.#sendError(
          session,
          "unknown_recipient",
          target === undefined
            ? `No client named "${to}" is online`
            : `Cannot deliver to "${to}": it speaks the Go format and reads nothing`,
        );
        return;
      }
      target.conn.write(
        encodeFrame({ type: "msg", from: session.name!, body }),
      );
    } else {
      this.#broadcast(
        session,
        encodeFrame({ type: "msg", from: session.name!, body }),
      );
    }
    if (this.hasListeners("message")) {
      this.emit("message", { from: session.info(this.#epoch), to, body });
    }
  }

  #goFrame(session: Session, result: GoParseResult): void {
    if (session.state !== STATE_OPEN) return;
    if (!result.ok) {
      // Stray bytes between objects are not a frame: no liveness credit.
      this.#countGoError(session);
      return;
    }
    session.seenMs = this.#sinceEpoch(this.#registry.touch(session));
    const frame = result.frame;
    if (session.name === null) {
      if (!isValidName(frame.Owner)) {
        this.#countGoError(session);
        return;
      }
      this.#register(session, frame.Owner);
      if (session.state !== STATE_OPEN) return;
    }
    if (frame.MessageType === GO_HEARTBEAT) {
      if (this.hasListeners("heartbeat")) {
        this.emit("heartbeat", {
          client: session.info(this.#epoch),
          seq: undefined,
        });
      }
    } else {
      this.#broadcast(
        session,
        encodeFrame({ type: "msg", from: session.name!, body: frame.Content }),
      );
      if (this.hasListeners("message")) {
        this.emit("message", {
          from: session.info(this.#epoch),
          to: undefined,
          body: frame.Content,
        });
      }
    }
  }

  #countGoError(session: Session): void {
    if (++session.invalidFrames >= this.#options.maxInvalidFrames) {
      this.#finish(session, "protocol_error", undefined);
    }
  }

  #register(session: Session, name: string): void {
    const existing = this.#names.get(name);
    if (existing !== undefined) {
      this.#finish(existing, "replaced", { type: "bye", reason: "replaced" });
    }
    session.name = name;
    this.#names.set(name, session);
    if (session.mode !== MODE_GO) {
      session.conn.write(encodeFrame({
        type: "welcome",
        id: session.id,
        interval: this.#options.interval,
        timeout: this.#options.timeout,
      }));
    }
    this.#presence(session, "online", undefined);
    if (this.hasListeners("connect")) {
      this.emit("connect", session.info(this.#epoch));
    }
  }

  // --- output ---

  #invalid(session: Session, code: ErrorCode, message: string): void {
    this.#sendError(session, code, message);
    if (++session.invalidFrames >= this.#options.maxInvalidFrames) {
      this.#sendError(
        session,
        "too_many_errors",
        `Closing after ${session.invalidFrames} invalid frames`,
      );
      this.#finish(session, "protocol_error", {
        type: "bye",
        reason: "protocol_error",
      });
    }
  }

  #sendError(session: Session, code: ErrorCode, message: string): void {
    if (session.mode === MODE_GO) return;
    session.conn.write(encodeFrame({ type: "error", code, message }));
  }

  #broadcast(from: Session, text: string): void {
    for (const session of this.#names.values()) {
      if (session !== from && session.mode !== MODE_GO) {
        session.conn.write(text);
      }
    }
  }

  #presence(
    session: Session,
    state: "online" | "offline",
    reason: OfflineReason | undefined,
  ): void {
    if (this.#names.size > this.#options.presenceLimit) return;
    const frame = reason === undefined
      ? { type: "presence" as const, name: session.name!, state }
      : { type: "presence" as const, name: session.name!, state, reason };
    this.#broadcast(session, encodeFrame(frame));
  }

  /**
   * Ends a session: optional `bye`, half-close with a grace period (or the
   * caller sets the deadline), unregister, tell the others, emit `close`.
   */
  #finish(
    session: Session,
    reason: CloseReason,
    bye: ByeFrame | undefined,
    announce = true,
  ): void {
    if (session.state !== STATE_OPEN) return;
    session.state = STATE_CLOSING;
    this.#openCount--;
    if (bye !== undefined && session.mode !== MODE_GO) {
      session.conn.write(encodeFrame(bye));
    }
    session.conn.end();
    this.#registry.setDeadline(
      session,
      this.#clock.now() + this.#options.closeGrace,
    );
    const name = session.name;
    if (name === null || this.#names.get(name) !== session) return;
    this.#names.delete(name);
    if (announce) this.#presence(session, "offline", offlineReason(reason));
    if (this.hasListeners("close")) {
      this.emit("close", { client: session.info(this.#epoch), reason });
    }
  }
}

function offlineReason(reason: CloseReason): OfflineReason {
  switch (reason) {
    case "timeout":
    case "replaced":
    case "shutdown":
      return reason;
    default:
      return "closed";
  }
}

/**
 * Starts a Lifeline server and waits until it listens.
 *
 * @param options Address, heartbeat policy, limits, transport, clock,
 * timers and an `AbortSignal`; see {@link ServerOptions}.
 * @returns The running server.
 *
 * @example Serve on a free port for a moment
 * ```ts
 * import { startServer } from "@lifeline/lifeline/server";
 * const server = await startServer({ port: 0, interval: 1000, timeout: 3000 });
 * console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
 * await server.close();
 * ```
 */
export async function startServer(
  options: ServerOptions = {},
): Promise<LifelineServer> {
  const server = new LifelineServer(options);
  await server.listen();
  return server;
}
