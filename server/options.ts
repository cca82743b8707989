/**
 * The options of `startServer()` and their defaults.
 *
 * @module
 */

import type { Authenticator } from "../auth/types.ts";
import type { ClusterAdapter } from "../cluster/types.ts";
import type { Clock, Timers } from "../common/time.ts";
import type { Transport } from "../transport/types.ts";

/**
 * The server's WebSocket listener: browsers (and any WebSocket client)
 * speak the same protocol there, one frame per text message, with the
 * same sessions, liveness registry, limits, authentication and presence
 * as the TCP listener, so a WebSocket client and a TCP client see each
 * other.
 */
export interface ServerWebSocketOptions {
  /**
   * The address to listen on.
   * @default {the server's hostname}
   */
  hostname?: string;
  /**
   * The port; `0` picks a free one (read it from `server.wsAddr`).
   * @default {9092}
   */
  port?: number;
  /**
   * The page origins allowed to connect (see `webSocketTransport`); every
   * origin when left out. Ignored when `transport` is given.
   * @default {undefined}
   */
  origins?: string[];
  /**
   * The transport: `webSocketTransport({ maxMessageBytes: maxFrameBytes,
   * origins })` unless given.
   * @default {webSocketTransport()}
   */
  transport?: Transport;
}

/** Options for `startServer()`. Durations are in milliseconds. */
export interface ServerOptions {
  /**
   * The address to listen on.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port to listen on; `0` picks a free one (read it from `server.addr`).
   * @default {9090}
   */
  port?: number;
  /**
   * Whether other processes may listen on the same port (SO_REUSEPORT; the
   * node transport only): the kernel spreads new connections among them.
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * How often clients should ping, sent to them in `welcome`.
   * @default {5000}
   */
  interval?: number;
  /**
   * Silence after which a connection is dropped (from accept, and from each
   * complete inbound frame).
   * @default {15000}
   */
  timeout?: number;
  /**
   * The sweep period: a silent connection is dropped within
   * `timeout + tick`.
   * @default {timeout / 10, between 10 and 1000}
   */
  tick?: number;
  /**
   * The longest frame accepted, in bytes; a longer one gets
   * `error {code: "frame_too_large"}` and the connection is closed.
   * @default {65536}
   */
  maxFrameBytes?: number;
  /**
   * The most connections served at once; more are refused with
   * `bye {reason: "server_full", retryAfter}`. The default is the
   * transport's `connectionLimit`: for the Deno and node transports, the
   * process's open-file limit less 64 for the runtime, so that a crowd gets
   * `server_full` instead of running the process out of descriptors.
   * @default {the transport's connection limit}
   */
  maxConnections?: number;
  /**
   * Invalid frames (bad JSON, not an object, failed validation, anything
   * before `hello`) a connection may send before it is closed.
   * @default {3}
   */
  maxInvalidFrames?: number;
  /**
   * A ping sooner than this after the previous one earns a strike.
   * @default {interval / 2}
   */
  minPingInterval?: number;
  /**
   * Strikes allowed; one more gets `error {code: "too_many_pings"}`, `bye`
   * and a close. A ping on time clears the strikes.
   * @default {2}
   */
  maxPingStrikes?: number;
  /**
   * Silence after which a watched client is `suspect` (its watchers are
   * told before it is declared gone at `timeout`).
   * @default {1.5 × interval}
   */
  suspectAfter?: number;
  /**
   * The presence grace window: after an abrupt end (EOF or reset without
   * `bye`, a timeout, a failed write), watchers are told `suspect` at once
   * and `offline` only if no connection takes the name back within this
   * long; `0` tells them `offline` at once.
   * @default {0}
   */
  presenceGrace?: number;
  /**
   * The most names one connection may watch; a `watch` past it gets
   * `error {code: "too_many_watches"}`.
   * @default {10000}
   */
  maxWatches?: number;
  /**
   * The other servers of a cluster: names unique cluster-wide, messages and
   * presence across nodes (see `redisCluster()`); without it, the server
   * is alone.
   * @default {localCluster()}
   */
  cluster?: ClusterAdapter;
  /**
   * Proof of names: with an authenticator, `hello` must carry a token that
   * proves its name (and only its holder can replace that name's session);
   * without one, anyone may take any name.
   * @default {undefined}
   */
  auth?: Authenticator;
  /**
   * With `auth` on, whether Go-format connections (which cannot carry a
   * token) are still accepted, unauthenticated. Off, they are closed.
   * @default {false}
   */
  allowUnauthenticatedGo?: boolean;
  /**
   * Messages (`msg` frames) a client may send per second, on average; past
   * the burst, `error {code: "rate_limited"}` and the message is dropped.
   * `0` turns the limit off.
   * @default {100}
   */
  msgRate?: number;
  /**
   * Messages a client may send at once before the rate applies.
   * @default {2 × msgRate}
   */
  msgBurst?: number;
  /**
   * Bytes of message bodies (UTF-8) a client may send per second, on
   * average; past it, as past `msgRate`. Counting bytes as well as
   * messages keeps a flood of large messages from filling every reader's
   * write queue. `0` is no limit.
   * @default {262144}
   */
  msgByteRate?: number;
  /**
   * Bytes of message bodies a client may send at once before the byte
   * rate applies: at most half of `maxWriteBufferBytes`, so that one
   * sender's burst relayed to a reader never fills its write queue.
   * @default {min(2 × msgByteRate, maxWriteBufferBytes / 2)}
   */
  msgByteBurst?: number;
  /**
   * Connections one source address may hold at once; more get
   * `bye {reason: "too_many_connections"}`. `0` is no limit (the default:
   * a carrier-grade NAT puts thousands of users behind one address).
   * @default {0}
   */
  maxPerIp?: number;
  /**
   * New connections one source address may open per second, on average
   * (burst twice that); faster ones get `bye {reason:
   * "too_many_connections", retryAfter}`. `0` is no limit.
   * @default {0}
   */
  connectRate?: number;
  /**
   * The shortest `retryAfter` sent in `bye` (shutdown, server full).
   * @default {1000}
   */
  retryAfterMin?: number;
  /**
   * The window over which `retryAfter` hints are spread.
   * @default {10000}
   */
  retryAfterSpread?: number;
  /**
   * How long a connection that was sent `bye` may take to close before it
   * is cut.
   * @default {1000}
   */
  closeGrace?: number;
  /**
   * How long `close()` waits for clients to close after `bye` before it
   * cuts them.
   * @default {2000}
   */
  shutdownGrace?: number;
  /**
   * The socket layer: `"node"` (`node:net`, less than half the memory per
   * connection; see `docs/performance.md`), `"deno"` (`Deno.listen`) or a
   * `Transport` of your own (for example `nodeTransport({ bareHandles:
   * false })` or an in-memory one for tests).
   * @default {"node"}
   */
  transport?: "deno" | "node" | Transport;
  /**
   * Also listen for WebSocket clients (see {@link ServerWebSocketOptions});
   * off when left out.
   * @default {undefined}
   */
  ws?: ServerWebSocketOptions;
  /**
   * Bytes a connection may have waiting to be written before it is closed
   * as a slow consumer.
   * @default {1048576}
   */
  maxWriteBufferBytes?: number;
  /**
   * The clock, in milliseconds.
   * @default {monotonicClock}
   */
  clock?: Clock;
  /**
   * The timers of the sweep ticker.
   * @default {globalTimers}
   */
  timers?: Timers;
  /**
   * Uniform random numbers in [0, 1), for the `retryAfter` jitter.
   * @default {Math.random}
   */
  random?: () => number;
  /** Aborting it shuts the server down, as `close()` does. */
  signal?: AbortSignal;
}

/** {@link ServerOptions} with every default filled in. */
export interface ResolvedServerOptions {
  /** See {@link ServerOptions.hostname}. */
  hostname: string;
  /** See {@link ServerOptions.port}. */
  port: number;
  /** See {@link ServerOptions.reusePort}. */
  reusePort: boolean;
  /** See {@link ServerOptions.interval}. */
  interval: number;
  /** See {@link ServerOptions.timeout}. */
  timeout: number;
  /** See {@link ServerOptions.tick}. */
  tick: number;
  /** See {@link ServerOptions.maxFrameBytes}. */
  maxFrameBytes: number;
  /** See {@link ServerOptions.maxConnections}. */
  maxConnections: number;
  /** See {@link ServerOptions.maxInvalidFrames}. */
  maxInvalidFrames: number;
  /** See {@link ServerOptions.minPingInterval}. */
  minPingInterval: number;
  /** See {@link ServerOptions.maxPingStrikes}. */
  maxPingStrikes: number;
  /** See {@link ServerOptions.suspectAfter}. */
  suspectAfter: number;
  /** See {@link ServerOptions.presenceGrace}. */
  presenceGrace: number;
  /** See {@link ServerOptions.maxWatches}. */
  maxWatches: number;
  /** See {@link ServerOptions.allowUnauthenticatedGo}. */
  allowUnauthenticatedGo: boolean;
  /** See {@link ServerOptions.msgRate}. */
  msgRate: number;
  /** See {@link ServerOptions.msgBurst}. */
  msgBurst: number;
  /** See {@link ServerOptions.msgByteRate}. */
  msgByteRate: number;
  /** See {@link ServerOptions.msgByteBurst}. */
  msgByteBurst: number;
  /** See {@link ServerOptions.maxPerIp}. */
  maxPerIp: number;
  /** See {@link ServerOptions.connectRate}. */
  connectRate: number;
  /** See {@link ServerOptions.retryAfterMin}. */
  retryAfterMin: number;
  /** See {@link ServerOptions.retryAfterSpread}. */
  retryAfterSpread: number;
  /** See {@link ServerOptions.closeGrace}. */
  closeGrace: number;
  /** See {@link ServerOptions.shutdownGrace}. */
  shutdownGrace: number;
  /** See {@link ServerOptions.maxWriteBufferBytes}. */
  maxWriteBufferBytes: number;
}

/**
 * The default sweep tick for a timeout: a tenth of it, at least 10 ms and
 * at most one second.
 *
 * @param timeout The timeout in milliseconds.
 * @returns The tick in milliseconds.
 *
 * @example
 * ```ts
 * import { defaultTick } from "@lifeline/lifeline/server";
 * console.log(defaultTick(15000), defaultTick(300)); // 1000 30
 * ```
 */
export function defaultTick(timeout: number): number {
  return Math.min(1000, Math.max(10, Math.round(timeout / 10)));
}

/**
 * The default shortest gap between two pings for an interval: half of it.
 * A ping sooner than that is a strike (see {@link DEFAULT_MAX_PING_STRIKES}).
 *
 * @param interval The ping interval in milliseconds.
 * @returns The gap in milliseconds.
 *
 * @example
 * ```ts
 * import { defaultMinPingInterval } from "@lifeline/lifeline/server";
 * console.log(defaultMinPingInterval(5000)); // 2500
 * ```
 */
export function defaultMinPingInterval(interval: number): number {
  return Math.floor(interval / 2);
}

/**
 * The default number of too-early pings in a row a client is forgiven;
 * one more ends the connection with `bye too_many_pings`.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_PING_STRIKES } from "@lifeline/lifeline/server";
 * console.log(DEFAULT_MAX_PING_STRIKES); // 2
 * ```
 */
export const DEFAULT_MAX_PING_STRIKES = 2;

/**
 * The default {@link ServerOptions.msgByteRate}: 256 KiB of message bodies
 * a second per client.
 *
 * @example
 * ```ts
 * import { DEFAULT_MSG_BYTE_RATE } from "@lifeline/lifeline/server";
 * console.log(DEFAULT_MSG_BYTE_RATE); // 262144
 * ```
 */
export const DEFAULT_MSG_BYTE_RATE = 256 * 1024;
