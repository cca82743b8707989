/**
 * The client that every runtime shares: its events, its send queue, the
 * reconnect loop and `wake()`. Each dial is a `Connection`
 * (`_connection.ts`), made through the transport seam's {@link Dialer},
 * which the runtime's entry point gives: `LifelineClient` (`client.ts`)
 * dials TCP from Deno, `BrowserClient` (`browser/`) WebSocket from a page.
 * The ping interval comes from `_interval.ts`, the reconnect delays from
 * {@link Backoff}. Nothing here touches a runtime API.
 *
 * @module
 */

import { errorMessage } from "../common/errors.ts";
import { TypedEventTarget } from "../common/typed_event_target.ts";
import type {
  AdaptiveHeartbeat,
  AdaptiveStep,
} from "../liveness/adaptive_heartbeat.ts";
import type { Backoff } from "../liveness/backoff.ts";
import type { Dialer } from "../transport/types.ts";
import { encodeFrame } from "../protocol/encode.ts";
import {
  type ClientMsgFrame,
  isValidName,
  MAX_NAMES_PER_WATCH,
  type ServerFrame,
  type WelcomeFrame,
} from "../protocol/frames.ts";
import { Connection, type ConnectionOwner } from "./_connection.ts";
import { TokenKeeper } from "./_token.ts";
import {
  intervalCeiling,
  pingInterval,
  type ServerPolicy,
} from "./_interval.ts";
import {
  resolveClientOptions,
  type ResolvedClientOptions,
} from "./_resolve_options.ts";
import type {
  ClientCloseDetail,
  ClientCloseReason,
  ClientDisconnectReason,
  LifelineClientEventMap,
  WelcomeDetail,
} from "./events.ts";
import type { ClientOptions } from "./options.ts";

/**
 * What every Lifeline client is, whatever it dials: the events, the send
 * queue, the watch list, the reconnect loop and the liveness checks. Use
 * `LifelineClient` (`@lifeline/lifeline/client`, TCP from Deno) or
 * `BrowserClient` (`@lifeline/lifeline/browser`, WebSocket from a page);
 * this class is what they share, not a copy of it.
 *
 * Liveness: the client pings every interval (the server's, doubled after
 * each `too_many_pings`, or the adaptive one) and declares the server dead
 * when nothing at all has arrived from it for `welcome.timeout`. It judges
 * that by timestamps, checked on every tick (at most `tick` apart), before
 * every send and on {@link ClientBase.wake}, so a process that was paused
 * or a laptop that slept notices at once when it wakes.
 *
 * @example A client on an in-memory network
 * ```ts
 * import { ClientBase } from "@lifeline/lifeline/client";
 * import { startServer } from "@lifeline/lifeline/server";
 * import { memoryNetwork } from "@lifeline/lifeline/transport";
 * const network = memoryNetwork();
 * await using server = await startServer({ port: 0, transport: network.transport });
 * await using client = new ClientBase({ name: "A", port: server.addr.port }, network.dialer);
 * await new Promise((resolve) => client.addEventListener("welcome", resolve, { once: true }));
 * console.log(client.connected); // true
 * ```
 */
export class ClientBase extends TypedEventTarget<LifelineClientEventMap> {
  #config: ResolvedClientOptions;
  #backoff: Backoff;
  #adaptive: AdaptiveHeartbeat | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = () => void this.close("aborted");
  #owner: ConnectionOwner;
  #token: TokenKeeper;

  #connection: Connection | undefined;
  #welcome: WelcomeDetail | undefined;
  #queue: ClientMsgFrame[] = [];
  // The watch list, in the order names were first watched.
  #watching = new Set<string>();
  #intervalMultiplier = 1;
  // The backoff's attempt count when the last welcomed connection was lost.
  #attemptAtLoss = 0;
  #lostAt: number | undefined;
  #closed = false;
  #giveUp: ClientCloseReason | undefined;
  #closing: Promise<ClientCloseDetail> | undefined;
  #closedDetail = Promise.withResolvers<ClientCloseDetail>();
  #retryTimer: unknown;
  // When the scheduled attempt is due, and the earliest the server's
  // retryAfter allows, on the client's clock.
  #retryDueAt = 0;
  #retryFloorAt = 0;
  #connectAbort: AbortController | undefined;
  #tasks = new Set<Promise<void>>();

  /**
   * Creates the client and starts connecting (on the next microtask, so
   * listeners added right after construction see every event).
   *
   * @param options Where to connect, the name, and the policies.
   * @param dialer How to connect, when `options.dialer` is not given: the
   * runtime's entry point decides.
   */
  constructor(options: ClientOptions, dialer: Dialer) {
    super();
    const config = resolveClientOptions(options, dialer);
    this.#config = config;
    this.#backoff = config.backoff;
    this.#adaptive = config.adaptive;
    this.#owner = this.#ownerFacade(config);
    this.#token = new TokenKeeper(
      config.token,
      config.refreshToken,
      config.timers,
    );
    this.#signal = options.signal;
    if (this.#signal?.aborted) {
      throw this.#signal.reason ?? new DOMException("Aborted", "AbortError");
    }
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    queueMicrotask(() => this.#track(this.#attempt()));
  }

  /** The client's name. */
  get name(): string {
    return this.#config.name;
  }

  /** Whether a connection is up and welcomed right now. */
  get connected(): boolean {
    return this.#connection?.up === true;
  }

  /** The last `welcome` received, or `undefined` before the first. */
  get welcome(): WelcomeDetail | undefined {
    return this.#welcome;
  }

  /** The ping interval in force, in milliseconds, or `undefined` when not connected. */
  get interval(): number | undefined {
    return this.connected ? this.#connection!.interval : undefined;
  }

  /** The adaptive interval's state machine, when `adaptive` is on. */
  get adaptive(): AdaptiveHeartbeat | undefined {
    return this.#adaptive;
  }

  /** Messages waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The names this client watches. */
  get watching(): string[] {
    return [...this.#watching];
  }

  /** Resolves when the client has closed for good. */
  get closed(): Promise<ClientCloseDetail> {
    return this.#closedDetail.promise;
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
      throw new Error(`Cannot send: client "${this.#config.name}" is closed`);
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
    if (size > this.#config.maxFrameBytes) {
      throw new RangeError(
        `Cannot send a message of ${size} bytes: the limit is ${this.#config.maxFrameBytes}`,
      );
    }
    const connection = this.#connection;
    if (connection?.up && connection.checkAlive()) {
      connection.write(line);
      return "sent";
    }
    if (this.#closed) {
      // The liveness check just found the server dead and reconnecting is off.
      throw new Error(`Cannot send: client "${this.#config.name}" is closed`);
    }
    if (this.#queue.length >= this.#config.maxQueue) {
      throw new RangeError(
        `Cannot queue a message: ${this.#config.maxQueue} messages already wait for a connection`,
      );
    }
    this.#queue.push(frame);
    return "queued";
  }

  /**
   * Watches clients by name: the server answers at once with a `presence`
   * event for each (`online`, `suspect` or `offline`), then sends every
   * change of their state. The watch list outlives connections: after a
   * reconnect it is sent again, and the fresh snapshot tells what changed
   * meanwhile.
   *
   * @param names Valid client names.
   * @throws {TypeError} When a name is not valid.
   * @throws {Error} When the client is closed.
   */
  watch(names: string[]): void {
    const fresh = this.#checkNames("watch", names).filter((name) =>
      !this.#watching.has(name)
    );
    for (const name of fresh) this.#watching.add(name);
    if (fresh.length > 0) this.#sendNames("watch", fresh);
  }

  /**
   * Stops watching clients by name.
   *
   * @param names Valid client names; names not watched are ignored.
   * @throws {TypeError} When a name is not valid.
   * @throws {Error} When the client is closed.
   */
  unwatch(names: string[]): void {
    const known = this.#checkNames("unwatch", names).filter((name) =>
      this.#watching.delete(name)
    );
    if (known.length > 0) this.#sendNames("unwatch", known);
  }

  /**
   * Checks at once instead of at the next tick or timer, for a process or
   * page that has just come back (shown again, online, resumed, woken from
   * sleep): with a connection up, judges the server's liveness by
   * timestamps now (declaring it dead, and reconnecting, if it has been
   * silent past its timeout) and pings it unless a ping went out less than
   * half an interval ago; while waiting to reconnect, brings the attempt
   * forward to a fresh first-attempt delay (`[0, initialDelay)`, jittered
   * so that clients woken together still spread out), never before the
   * server's `retryAfter`. Idempotent enough to call on every such event.
   *
   * @example Wake a client when the network comes back
   * ```ts
   * import { LifelineClient } from "@lifeline/lifeline/client";
   * const client = new LifelineClient({ name: "A", port: 1 });
   * globalThis.addEventListener("online", () => client.wake());
   * client.wake();
   * await client.close();
   * ```
   */
  wake(): void {
    if (this.#closed) return;
    const connection = this.#connection;
    if (connection !== undefined) {
      connection.probe();
      return;
    }
    if (this.#retryTimer === undefined) return;
    const now = this.#config.clock.now();
    const at = Math.max(this.#retryFloorAt, now + this.#backoff.soon());
    // Only a wait cut by a millisecond or more is worth a new timer.
    if (at > this.#retryDueAt - 1) return;
    this.#config.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#armRetry(at - now, undefined, true);
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

  #checkNames(verb: string, names: string[]): string[] {
    if (this.#closed) {
      throw new Error(
        `Cannot ${verb}: client "${this.#config.name}" is closed`,
      );
    }
    for (const name of names) {
      if (!isValidName(name)) {
        throw new TypeError(
          `Cannot ${verb} ${JSON.stringify(name)}: not a valid client name`,
        );
      }
    }
    return names;
  }

  /** Sends `watch` or `unwatch` frames now, if connected (else after welcome). */
  #sendNames(type: "watch" | "unwatch", names: string[]): void {
    const connection = this.#connection;
    if (!connection?.up) return;
    for (let i = 0; i < names.length; i += MAX_NAMES_PER_WATCH) {
      connection.write(
        encodeFrame({ type, names: names.slice(i, i + MAX_NAMES_PER_WATCH) }),
      );
    }
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  /** What the connections see of this client. */
  #ownerFacade(config: ResolvedClientOptions): ConnectionOwner {
    // deno-lint-ignore no-this-alias
    const client = this;
    return {
      clock: config.clock,
      timers: config.timers,
      hostname: config.hostname,
      port: config.port,
      connectTimeout: config.connectTimeout,
      tick: config.tick,
      maxFrameBytes: config.maxFrameBytes,
      serverBounds: config.serverBounds,
      interval: (policy) => this.#intervalFor(policy),
      emit(type, detail) {
        client.emit(type, detail);
      },
      welcomed: (connection, frame, now) =>
        this.#onWelcome(connection, frame, now),
      received: (connection, frame) => this.#onFrame(connection, frame),
      pinged: () => {
        const expired = this.#adaptive?.pingSent();
        if (expired !== undefined) this.#onAdaptive(expired);
      },
      ended: (connection, reason, message) =>
        this.#onEnded(connection, reason, message),
    };
  }

  #intervalFor(policy: ServerPolicy): number {
    return pingInterval(policy, this.#intervalMultiplier, this.#adaptive);
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    const attempt = this.#backoff.attempt;
    this.emit("connecting", {
      attempt,
      hostname: this.#config.hostname,
      port: this.#config.port,
    });
    const abort = new AbortController();
    this.#connectAbort = abort;
    const timer = this.#config.timers.setTimeout(
      () => abort.abort(),
      this.#config.connectTimeout,
    );
    const connection = new Connection(this.#owner);
    let localAddr: string;
    let token: string | undefined;
    try {
      token = await this.#token.forConnection();
      const dialed = await this.#config.dialer.dial({
        hostname: this.#config.hostname,
        port: this.#config.port,
        signal: abort.signal,
      }, connection);
      localAddr = `${dialed.localAddr.hostname}:${dialed.localAddr.port}`;
    } catch (error) {
      if (this.#closed) return;
      this.emit("error", {
        source: "client",
        code: "connect_failed",
        message: token === undefined && this.#config.refreshToken !== undefined
          ? `Cannot get a token for ${this.#config.name}: ${
            errorMessage(error)
          }`
          : abort.signal.aborted
          ? `Cannot connect to ${this.#config.hostname}:${this.#config.port}: no answer within ${this.#config.connectTimeout}ms`
          : `Cannot connect to ${this.#config.hostname}:${this.#config.port}: ${
            errorMessage(error)
          }`,
      });
      this.#scheduleReconnect(undefined);
      return;
    } finally {
      this.#config.timers.clearTimeout(timer);
      this.#connectAbort = undefined;
    }
    if (this.#closed) {
      connection.discard();
      return;
    }
    this.#connection = connection;
    this.#track(connection.gone);
    connection.start(this.#config.name, token);
    if (connection.ended) return;
    this.emit("open", { attempt, localAddr });
  }

  #onWelcome(connection: Connection, frame: WelcomeFrame, now: number): void {
    if (this.#adaptive !== undefined) {
      this.#adaptive.setCeiling(intervalCeiling(frame));
      this.#adaptive.pongTimeout = frame.timeout;
    }
    this.#backoff.connected(now);
    const reconnect = this.#lostAt !== undefined;
    const previous = this.#welcome?.effectiveInterval;
    this.#welcome = {
      id: frame.id,
      interval: frame.interval,
      timeout: frame.timeout,
      effectiveInterval: connection.interval,
      reconnect,
    };
    this.emit("welcome", { ...this.#welcome });
    if (reconnect) {
      this.emit("reconnected", {
        attempts: this.#backoff.attempt - this.#attemptAtLoss,
        downtime: now - this.#lostAt!,
      });
      this.#lostAt = undefined;
    }
    if (previous !== connection.interval) {
      this.emit("interval", {
        interval: connection.interval,
        reason: "welcome",
      });
    }
    if (this.#watching.size > 0) this.#sendNames("watch", this.watching);
    this.#token.schedule((fresh) =>
      connection.write(encodeFrame({ type: "refresh", token: fresh }))
    );
    const queued = this.#queue.splice(0);
    for (const message of queued) {
      if (connection.ended) this.#queue.push(message);
      else connection.write(encodeFrame(message));
    }
  }

  #onFrame(
    connection: Connection,
    frame: Exclude<ServerFrame, WelcomeFrame>,
  ): void {
    switch (frame.type) {
      case "pong": {
        const step = this.#adaptive?.pongReceived();
        if (step !== undefined) this.#onAdaptive(step);
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
          this.#updateWelcomeInterval(
            connection.updateInterval("too_many_pings"),
          );
        }
        break;
      case "bye":
        this.emit("bye", frame);
        // Another client took this name. Coming back would take it back
        // and start a tug of war, so close for good. A token the server
        // refuses will be refused again.
        if (frame.reason === "replaced") this.#giveUp = "replaced";
        if (frame.reason === "auth_failed") this.#giveUp = "auth_failed";
        connection.end("bye");
        break;
    }
  }

  #onAdaptive(step: AdaptiveStep): void {
    this.emit("adaptive", step);
    const connection = this.#connection;
    if (connection?.up) {
      this.#updateWelcomeInterval(connection.updateInterval("adaptive"));
    }
  }

  #updateWelcomeInterval(interval: number | undefined): void {
    if (interval !== undefined && this.#welcome !== undefined) {
      this.#welcome.effectiveInterval = interval;
    }
  }

  #onEnded(
    connection: Connection,
    reason: ClientDisconnectReason,
    message: string | undefined,
  ): void {
    if (this.#connection === connection) this.#connection = undefined;
    this.#token.cancel();
    const now = this.#config.clock.now();
    if (connection.welcomed) {
      this.#backoff.disconnected(now);
      if (this.#lostAt === undefined) {
        this.#lostAt = now;
        this.#attemptAtLoss = this.#backoff.attempt;
      }
      if (this.#adaptive !== undefined && !this.#closed) {
        this.#onAdaptive(this.#adaptive.connectionLost());
      }
    }
    this.emit("disconnect", {
      reason,
      welcomed: connection.welcomed,
      ...(message === undefined ? {} : { message }),
    });
    if (!this.#closed) this.#scheduleReconnect(connection.retryAfter);
  }

  #scheduleReconnect(retryAfter: number | undefined): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    if (this.#giveUp !== undefined) {
      void this.close(this.#giveUp);
      return;
    }
    if (
      !this.#config.reconnect ||
      this.#backoff.attempt >= this.#config.maxAttempts
    ) {
      void this.close("gave_up");
      return;
    }
    const delay = this.#backoff.next({ retryAfter });
    this.#retryFloorAt = this.#config.clock.now() + (retryAfter ?? 0);
    this.#armRetry(delay, retryAfter, false);
  }

  #armRetry(
    delay: number,
    retryAfter: number | undefined,
    woken: boolean,
  ): void {
    this.#retryDueAt = this.#config.clock.now() + delay;
    this.emit("reconnecting", {
      attempt: this.#backoff.attempt,
      delay,
      ...(retryAfter === undefined ? {} : { retryAfter }),
      ...(woken ? { woken: true as const } : {}),
    });
    if (this.#closed) return;
    this.#retryTimer = this.#config.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#track(this.#attempt());
    }, delay);
  }

  async #shutdown(reason: ClientCloseReason): Promise<ClientCloseDetail> {
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#retryTimer !== undefined) {
      this.#config.timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#connectAbort?.abort();
    // What is already written goes out before the connection closes.
    await this.#connection?.finish();
    while (this.#tasks.size > 0) {
      await Promise.allSettled([...this.#tasks]);
    }
    const detail: ClientCloseDetail = { reason, unsent: this.#queue.splice(0) };
    this.emit("close", detail);
    this.#closedDetail.resolve(detail);
    return detail;
  }
}
