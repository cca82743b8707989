/**
 * The Lifeline heartbeat server: its lifecycle (listen, shut down), its
 * options and its events. Each connection is a `Session` (`_session.ts`),
 * the named ones are in the `Hub` (`_hub.ts`) with who watches whom
 * (`_presence.ts`), and their deadlines are in two registries: liveness
 * while open, the close grace while closing. What it counts is in
 * `_stats.ts`; a drain that spreads the closes, in `_drain.ts`.
 *
 * @module
 */

import {
  TypedEventTarget,
  type TypedListener,
} from "../common/typed_event_target.ts";
import {
  type Clock,
  globalTimers,
  monotonicClock,
  type Timers,
} from "../common/time.ts";
import { DeadlineRegistry } from "../liveness/deadline_registry.ts";
import { HeartbeatRegistry } from "../liveness/heartbeat_registry.ts";
import { spreadRetryAfter } from "../liveness/retry_after.ts";
import { denoTransport } from "../transport/deno.ts";
import { nodeTransport } from "../transport/node/node.ts";
import { webSocketTransport } from "../transport/node/websocket.ts";
import { DEFAULT_WS_PORT } from "../protocol/websocket.ts";
import type {
  ConnectionHandler,
  Transport,
  TransportAddr,
  TransportConn,
  TransportInfo,
  TransportListener,
} from "../transport/types.ts";
import { localCluster } from "../cluster/local.ts";
import type { ClusterAdapter, ClusterHandler } from "../cluster/types.ts";
import { encodeFrame } from "../protocol/encode.ts";
import { AddressLimits } from "./_address_limits.ts";
import { REPLACED, shutdown } from "./_disconnect.ts";
import { Drain } from "./_drain.ts";
import { SessionEpoch } from "./_epoch.ts";
import { Hub } from "./_hub.ts";
import { resolveServerOptions } from "./_resolve_options.ts";
import { Session, type SessionEvents, type SessionHost } from "./_session.ts";
import { ServerCounters } from "./_stats.ts";
import type { LifelineServerEventMap, SessionInfo } from "./events.ts";
import type {
  ResolvedServerOptions,
  ServerOptions,
  ServerWebSocketOptions,
} from "./options.ts";
import {
  detectionBuckets,
  type ServerClusterState,
  type ServerState,
  type ServerStats,
  SWEEP_BUCKETS,
} from "./stats.ts";

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
  #maxConnectionsGiven: boolean;
  #transport: Transport;
  #listener: TransportListener | null = null;
  #ws: ServerWebSocketOptions | undefined;
  #wsListener: TransportListener | null = null;
  #host: SessionHost;
  #hub: Hub<Session>;
  #cluster: ClusterAdapter;
  #clusterReason = "joined";
  #liveness: HeartbeatRegistry<Session>;
  #graces: DeadlineRegistry<Session>;
  #sessions = new Set<Session>();
  #addresses: AddressLimits;
  // The source address of each admitted session, while address limits are on.
  #addressOf = new WeakMap<Session, string>();
  #openCount = 0;
  #nextId = 0;
  #closing: Promise<void> | null = null;
  #allClosed: (() => void) | null = null;
  #stats: ServerCounters;
  #state: ServerState = "starting";
  #drain: Drain<Session> | null = null;
  #clock: Clock;
  #timers: Timers;
  #signal: AbortSignal | undefined;
  #onAbort: () => void;
  #handler: ConnectionHandler<Session>;

  /**
   * Use {@link startServer} instead: it listens and returns the server.
   *
   * @param options The server's options.
   */
  constructor(options: ServerOptions = {}) {
    super();
    this.#options = resolveServerOptions(options);
    this.#maxConnectionsGiven = options.maxConnections !== undefined;
    const transport = options.transport ?? "node";
    this.#transport = transport === "deno"
      ? denoTransport()
      : transport === "node"
      ? nodeTransport()
      : transport;
    const clock = options.clock ?? monotonicClock;
    const timers = options.timers ?? globalTimers;
    this.#clock = clock;
    this.#timers = timers;
    this.#signal = options.signal;
    this.#ws = options.ws;
    const opts = this.#options;
    const stats = new ServerCounters(
      detectionBuckets(opts.timeout, opts.tick),
      SWEEP_BUCKETS,
    );
    this.#stats = stats;
    this.#liveness = new HeartbeatRegistry<Session>({
      timeoutMs: opts.timeout,
      tickMs: opts.tick,
      clock,
      timers,
      onExpire: (session, now) => session.expired(now),
      onSweep: (durationMs) => stats.sweep.observe(durationMs),
      // A sweep this late means the process was frozen (SIGSTOP, a paused
      // VM, a long GC), not that every peer went quiet at once: read what
      // arrived meanwhile before expiring anyone.
      stallMs: Math.max(1000, 2 * opts.tick),
    });
    this.#graces = new DeadlineRegistry<Session>({
      tickMs: opts.tick,
      horizonMs: Math.max(opts.closeGrace, opts.shutdownGrace),
      clock,
      timers,
      onExpire: (session) => session.graceOver(),
    });
    this.#cluster = options.cluster ?? localCluster();
    this.#hub = new Hub<Session>({
      cluster: this.#cluster,
      suspectAfterMs: opts.suspectAfter,
      graceMs: opts.presenceGrace,
      maxWatches: opts.maxWatches,
      tickMs: opts.tick,
      clock,
      timers,
      changed: (detail) => {
        stats.presence(detail.state);
        if (this.hasListeners("presence")) this.emit("presence", detail);
      },
    });
    const sessions = this.#sessions;
    this.#host = {
      options: opts,
      clock,
      random: options.random ?? Math.random,
      epoch: new SessionEpoch(clock, (shift) => {
        for (const session of sessions) session.rebase(shift);
      }),
      hub: this.#hub,
      auth: options.auth,
      liveness: this.#liveness,
      graces: this.#graces,
      events: this.#events(),
      stats,
      released: () => void this.#openCount--,
      forget: (session) => this.#forget(session),
    };
    this.#addresses = new AddressLimits(opts.maxPerIp, opts.connectRate);
    this.#onAbort = () => void this.close();
    this.#handler = {
      open: (conn) => this.#open(conn),
      data: (session, chunk) => session.receive(chunk),
      closed: (session) => session.closed(),
    };
  }

  /** The address the server listens on (with the real port). */
  get addr(): TransportAddr {
    return this.#listening("addr").addr;
  }

  /**
   * The address of the WebSocket listener (with the real port), or
   * `undefined` when the server has none (no `ws` option) or does not
   * listen yet.
   */
  get wsAddr(): TransportAddr | undefined {
    return this.#wsListener?.addr;
  }

  /**
   * The options in force, with defaults filled in (`maxConnections` from
   * the transport once listening, when not given).
   */
  get options(): Readonly<ResolvedServerOptions> {
    return this.#options;
  }

  /** What the transport runs on and how many connections it can hold. */
  get transport(): TransportInfo {
    return this.#listening("transport").info;
  }

  /**
   * Where the server stands in its cluster (a server alone is a cluster
   * of one that is always available).
   *
   * @example
   * ```ts
   * import { startServer } from "@lifeline/lifeline/server";
   * await using server = await startServer({ port: 0 });
   * const { distributed, available, nodes } = server.cluster;
   * console.log(distributed, available, nodes); // false true 1
   * ```
   */
  get cluster(): ServerClusterState {
    const cluster = this.#cluster;
    return {
      nodeId: cluster.nodeId,
      distributed: cluster.distributed,
      available: cluster.available,
      reason: this.#clusterReason,
      nodes: cluster.nodes,
    };
  }

  /** The number of open connections, registered or not. */
  get connectionCount(): number {
    return this.#openCount;
  }

  /**
   * Where the server is in its life: `"starting"` until it listens,
   * `"serving"`, `"draining"` from `drain()` or `close()` until every
   * connection is closed, then `"stopped"`. Only a serving server accepts.
   */
  get state(): ServerState {
    return this.#state;
  }

  /**
   * What the server has counted since it was created: connections,
   * heartbeats, frames, timeouts, disconnects, presence changes, and the
   * detection-time and sweep-time histograms. The counting costs a field
   * increment per event; the snapshot is built here, on demand (and looks
   * at every connection's write queue, so it costs O(connections)).
   *
   * @returns A fresh snapshot.
   *
   * @example Count a client's heartbeats
   * ```ts
   * import { startServer } from "@lifeline/lifeline/server";
   * import { connect } from "@lifeline/lifeline/client";
   * await using server = await startServer({ port: 0, interval: 100, timeout: 1000 });
   * await using client = await connect({ port: server.addr.port, name: "A" });
   * await new Promise((resolve) => client.addEventListener("pong", resolve, { once: true }));
   * const stats = server.stats();
   * console.log(stats.connections.lifeline, stats.heartbeats >= 1); // 1 true
   * ```
   */
  stats(): ServerStats {
    let writeQueueMax = 0;
    for (const session of this.#sessions) {
      const bytes = session.conn.bufferedBytes ?? 0;
      if (bytes > writeQueueMax) writeQueueMax = bytes;
    }
    return this.#stats.snapshot(this.#state, this.#openCount, writeQueueMax);
  }

  /**
   * Listens. Called by {@link startServer}.
   *
   * @returns A promise that settles once the server listens.
   */
  async listen(): Promise<void> {
    this.#signal?.throwIfAborted();
    await this.#cluster.start(this.#clusterHandler());
    try {
      this.#listener = await this.#transport.listen({
        hostname: this.#options.hostname,
        port: this.#options.port,
        reusePort: this.#options.reusePort,
        maxWriteBufferBytes: this.#options.maxWriteBufferBytes,
      }, this.#handler);
      if (this.#ws !== undefined) this.#wsListener = await this.#listenWs();
    } catch (error) {
      await this.#listener?.close();
      this.#listener = null;
      await this.#cluster.stop();
      throw error;
    }
    if (!this.#maxConnectionsGiven) {
      this.#options.maxConnections = this.#listener.info.connectionLimit;
    }
    this.#liveness.start();
    this.#graces.start();
    this.#hub.presence.start();
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#state = "serving";
  }

  async #listenWs(): Promise<TransportListener> {
    const ws = this.#ws!;
    const options = this.#options;
    const transport = ws.transport ?? webSocketTransport({
      maxMessageBytes: options.maxFrameBytes,
      ...(ws.origins === undefined ? {} : { origins: ws.origins }),
    });
    const hostname = ws.hostname ?? options.hostname;
    const port = ws.port ?? DEFAULT_WS_PORT;
    // The same handler as TCP: one liveness registry, one hub, one set of
    // limits for both.
    try {
      return await transport.listen({
        hostname,
        port,
        maxWriteBufferBytes: options.maxWriteBufferBytes,
      }, this.#handler);
    } catch (error) {
      const where = hostname.includes(":")
        ? `[${hostname}]:${port}`
        : `${hostname}:${port}`;
      throw new Error(
        `Cannot listen for WebSocket clients on ${where}: ${
          (error as Error).message.split("\n")[0]
        }`,
        { cause: error },
      );
    }
  }

  /**
   * A snapshot of the registered clients.
   *
   * @returns One entry per client, in registration order.
   */
  clients(): SessionInfo[] {
    const list: SessionInfo[] = [];
    for (const session of this.#hub.members()) list.push(session.info());
    return list;
  }

  /**
   * Shuts down: stops accepting, sends every client `bye {reason:
   * "shutdown", retryAfter}` with retry hints spread over the configured
   * window, half-closes every connection, waits up to `shutdownGrace` for
   * the clients to close, then cuts the rest. Safe to call more than once;
   * during a {@link drain}, closes the connections it has not closed yet
   * at once (each keeps the reconnect time the drain gave it).
   *
   * @returns A promise that settles when every connection is closed.
   */
  close(): Promise<void> {
    this.#drain?.hurry();
    this.#closing ??= this.#shutdown(0);
    return this.#closing;
  }

  /**
   * Shuts down over a period: stops accepting at once (`state` is
   * `"draining"`), then closes the connections in jittered batches spread
   * over `durationMs`, each with `bye {reason: "shutdown", retryAfter}`
   * where `retryAfter` points past the end of the drain, into the window
   * `[durationMs + retryAfterMin, durationMs + retryAfterMin +
   * retryAfterSpread)` after the drain began. So clients leave a few at a
   * time and come back spread out. Each closed connection then has
   * `shutdownGrace` to close. `0` is {@link close}; after `close()` or
   * another `drain()`, returns that shutdown's promise.
   *
   * @param durationMs The drain period, in milliseconds.
   * @returns A promise that settles when every connection is closed.
   * @throws {RangeError} When `durationMs` is negative or not finite.
   *
   * @example Drain a server with one client over 100 ms
   * ```ts
   * import { startServer } from "@lifeline/lifeline/server";
   * import { connect } from "@lifeline/lifeline/client";
   * const server = await startServer({ port: 0 });
   * const client = await connect({ port: server.addr.port, name: "A" });
   * const bye = new Promise((resolve) => {
   *   client.addEventListener("bye", (e) => resolve(e.detail.retryAfter));
   * });
   * await server.drain(100);
   * const retryAfter = await bye as number;
   * console.log(server.state, retryAfter >= 1000); // "stopped" true
   * await client.close();
   * ```
   */
  drain(durationMs: number): Promise<void> {
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) {
      throw new RangeError(
        `Cannot drain over ${durationMs}ms: expected a non-negative number of milliseconds`,
      );
    }
    this.#closing ??= this.#shutdown(durationMs);
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

  #listening(what: string): TransportListener {
    if (this.#listener === null) {
      throw new TypeError(`Cannot read ${what}: the server is not listening`);
    }
    return this.#listener;
  }

  async #shutdown(drainMs: number): Promise<void> {
    this.#state = "draining";
    this.#signal?.removeEventListener("abort", this.#onAbort);
    const listenerClosed = Promise.all([
      this.#listener?.close(),
      this.#wsListener?.close(),
    ]);
    const open: Session[] = [];
    for (const session of this.#sessions) {
      if (session.open) open.push(session);
    }
    if (this.hasListeners("shutdown")) {
      this.emit("shutdown", { drainMs, connections: open.length });
    }
    const options = this.#options;
    if (drainMs > 0 && open.length > 0) {
      this.#drain = new Drain({
        sessions: open,
        durationMs: drainMs,
        retryAfterMin: options.retryAfterMin,
        retryAfterSpread: options.retryAfterSpread,
        clock: this.#clock,
        timers: this.#timers,
        random: this.#host.random,
        close: (session, retryAfter) =>
          session.close(shutdown(retryAfter, options.shutdownGrace)),
      });
    } else {
      const hints = spreadRetryAfter(open.length, {
        minMs: options.retryAfterMin,
        spreadMs: options.retryAfterSpread,
        random: this.#host.random,
      });
      for (let i = 0; i < open.length; i++) {
        open[i].close(shutdown(hints[i], options.shutdownGrace));
      }
    }
    if (this.#sessions.size > 0) {
      await new Promise<void>((resolve) => this.#allClosed = resolve);
    }
    this.#drain?.stop();
    this.#state = "stopped";
    this.#liveness.stop();
    this.#graces.stop();
    this.#hub.presence.stop();
    await listenerClosed;
    await this.#cluster.stop();
  }

  /** What the other servers of a cluster make this one do. */
  #clusterHandler(): ClusterHandler {
    const hub = this.#hub;
    return {
      replaced: (name, sessionId) => {
        const session = hub.get(name);
        if (session !== undefined && session.id === sessionId) {
          session.close(REPLACED);
        } else {
          hub.presence.takenElsewhere(name);
        }
      },
      message: (to, from, body) => {
        const session = hub.get(to);
        if (session === undefined || !session.readsFrames) return false;
        session.send(encodeFrame({ type: "msg", from, body }));
        return true;
      },
      broadcast: (from, body) => {
        hub.broadcast(null, encodeFrame({ type: "msg", from, body }));
      },
      presence: (change) => hub.presence.remote(change),
      interest: (name) => hub.presence.interest(name),
      assertions: () => ({
        held: [...hub.members()].map((s) => ({
          name: s.name!,
          sessionId: s.id,
        })),
        watched: hub.presence.remoteNames(),
      }),
      status: (available, reason) => {
        this.#clusterReason = reason;
        if (this.hasListeners("cluster")) {
          this.emit("cluster", {
            nodeId: this.#cluster.nodeId,
            available,
            reason,
          });
        }
      },
    };
  }

  #open(conn: TransportConn): Session {
    const host = this.#host;
    const nowMs = host.epoch.since(host.clock.now());
    const session = new Session(conn, ++this.#nextId, host, nowMs);
    this.#sessions.add(session);
    this.#stats.accepted++;
    if (this.#closing !== null) {
      this.#stats.refusedShutdown++;
      session.refuse("shutdown");
    } else if (this.#openCount >= this.#options.maxConnections) {
      this.#stats.refusedFull++;
      session.refuse("server_full");
    } else if (!this.#admitAddress(session)) {
      session.refuse("too_many_connections");
    } else {
      this.#openCount++;
      this.#liveness.add(session);
    }
    return session;
  }

  #admitAddress(session: Session): boolean {
    if (!this.#addresses.active) return true;
    const address = session.conn.remoteAddr.hostname;
    const verdict = this.#addresses.admit(address, this.#host.clock.now());
    if (verdict !== "ok") return false;
    this.#addressOf.set(session, address);
    return true;
  }

  #forget(session: Session): void {
    const address = this.#addressOf.get(session);
    if (address !== undefined) this.#addresses.release(address);
    this.#sessions.delete(session);
    if (this.#sessions.size === 0 && this.#allClosed !== null) {
      const resolve = this.#allClosed;
      this.#allClosed = null;
      resolve();
    }
  }

  /** The server's side of {@link SessionEvents}: builds events only for listeners. */
  #events(): SessionEvents {
    // deno-lint-ignore no-this-alias
    const server = this;
    const stats = this.#stats;
    return {
      get wantsHeartbeats(): boolean {
        return server.hasListeners("heartbeat");
      },
      connect(session) {
        if (session.readsFrames) stats.lifelineClients++;
        else stats.goClients++;
        if (server.hasListeners("connect")) {
          server.emit("connect", session.info());
        }
      },
      heartbeat(session, seq) {
        server.emit("heartbeat", { client: session.info(), seq });
      },
      message(session, to, body) {
        if (server.hasListeners("message")) {
          server.emit("message", { from: session.info(), to, body });
        }
      },
      timeout(session, silentMs) {
        stats.timeouts++;
        stats.detection.observe(silentMs);
        if (server.hasListeners("timeout")) {
          server.emit("timeout", {
            id: session.id,
            client: session.name === null ? null : session.info(),
            remoteAddr: session.conn.remoteAddr,
            silentMs,
          });
        }
      },
      close(session, reason) {
        if (session.readsFrames) stats.lifelineClients--;
        else stats.goClients--;
        stats.disconnects[reason]++;
        if (server.hasListeners("close")) {
          server.emit("close", { client: session.info(), reason });
        }
      },
    };
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
