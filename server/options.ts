/**
 * The options of `startServer()` and their defaults.
 *
 * @module
 */

import type { Clock, Timers } from "./heartbeat_registry.ts";
import type { Transport } from "./transport.ts";
import { openFileLimit } from "./_open_file_limit.ts";

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
   * `bye {reason: "server_full", retryAfter}`. The default keeps every
   * connection within the process's open-file limit (see
   * {@link defaultMaxConnections}): past it the runtime stops accepting.
   * @default {defaultMaxConnections()}
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
   * `presence` frames are sent only while at most this many clients are
   * registered: above it, the cost of telling everyone about everyone grows
   * with the square of the number of clients.
   * @default {100}
   */
  presenceLimit?: number;
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
   * {@link Transport} of your own.
   * @default {"node"}
   */
  transport?: "deno" | "node" | Transport;
  /**
   * Idle time before the first TCP keepalive probe where the transport can
   * set it (`"node"`); `0` keeps the system default.
   * @default {0}
   */
  keepAliveInitialDelay?: number;
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
  /** See {@link ServerOptions.presenceLimit}. */
  presenceLimit: number;
  /** See {@link ServerOptions.retryAfterMin}. */
  retryAfterMin: number;
  /** See {@link ServerOptions.retryAfterSpread}. */
  retryAfterSpread: number;
  /** See {@link ServerOptions.closeGrace}. */
  closeGrace: number;
  /** See {@link ServerOptions.shutdownGrace}. */
  shutdownGrace: number;
  /** See {@link ServerOptions.keepAliveInitialDelay}. */
  keepAliveInitialDelay: number;
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
 * Open files kept back from clients for the runtime itself (stdio, the
 * listener, its event loop, files it opens).
 *
 * @example
 * ```ts
 * import {
 *   defaultMaxConnections,
 *   RESERVED_OPEN_FILES,
 * } from "@lifeline/lifeline/server";
 * console.log(defaultMaxConnections(1024) === 1024 - RESERVED_OPEN_FILES); // true
 * ```
 */
export const RESERVED_OPEN_FILES = 64;

/**
 * The default connection limit: the process's open-file limit (soft
 * `RLIMIT_NOFILE`) less {@link RESERVED_OPEN_FILES} for the runtime, so
 * that a crowd of clients gets `bye server_full` instead of running the
 * process out of descriptors (after which Deno's `node:net` listener stops
 * accepting for good). `Infinity` where the limit is unlimited or cannot be
 * read.
 *
 * @param limit The open-file limit; read from `/proc/self/limits` when
 * left out.
 * @returns The most connections to serve at once.
 *
 * @example
 * ```ts
 * import { defaultMaxConnections } from "@lifeline/lifeline/server";
 * console.log(defaultMaxConnections(1024)); // 960
 * ```
 */
export function defaultMaxConnections(
  limit: number = openFileLimit(),
): number {
  return limit === Infinity
    ? Infinity
    : Math.max(1, limit - RESERVED_OPEN_FILES);
}

/**
 * Fills in the defaults of {@link ServerOptions} and checks every value.
 *
 * @param options The options as given.
 * @returns The options with defaults.
 * @throws {RangeError} When a value is out of range.
 *
 * @example
 * ```ts
 * import { resolveServerOptions } from "@lifeline/lifeline/server";
 * console.log(resolveServerOptions({ timeout: 300 }).tick); // 30
 * ```
 */
export function resolveServerOptions(
  options: ServerOptions = {},
): ResolvedServerOptions {
  const interval = options.interval ?? 5000;
  const timeout = options.timeout ?? 15_000;
  const resolved: ResolvedServerOptions = {
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 9090,
    interval,
    timeout,
    tick: options.tick ?? defaultTick(timeout),
    maxFrameBytes: options.maxFrameBytes ?? 65_536,
    maxConnections: options.maxConnections ?? defaultMaxConnections(),
    maxInvalidFrames: options.maxInvalidFrames ?? 3,
    minPingInterval: options.minPingInterval ?? Math.floor(interval / 2),
    maxPingStrikes: options.maxPingStrikes ?? 2,
    presenceLimit: options.presenceLimit ?? 100,
    retryAfterMin: options.retryAfterMin ?? 1000,
    retryAfterSpread: options.retryAfterSpread ?? 10_000,
    closeGrace: options.closeGrace ?? 1000,
    shutdownGrace: options.shutdownGrace ?? 2000,
    keepAliveInitialDelay: options.keepAliveInitialDelay ?? 0,
    maxWriteBufferBytes: options.maxWriteBufferBytes ?? 1024 * 1024,
  };
  const port = resolved.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot listen on port ${port}: expected an integer from 0 to 65535`,
    );
  }
  for (
    const key of [
      "interval",
      "timeout",
      "tick",
      "maxFrameBytes",
      "maxConnections",
      "maxInvalidFrames",
    ] as const
  ) {
    positive(key, resolved[key]);
  }
  for (
    const key of [
      "minPingInterval",
      "maxPingStrikes",
      "presenceLimit",
      "retryAfterMin",
      "retryAfterSpread",
      "closeGrace",
      "shutdownGrace",
      "keepAliveInitialDelay",
      "maxWriteBufferBytes",
    ] as const
  ) {
    nonNegative(key, resolved[key]);
  }
  if (!Number.isInteger(resolved.maxFrameBytes)) {
    throw new RangeError(
      `Cannot use maxFrameBytes ${resolved.maxFrameBytes}: expected an integer`,
    );
  }
  return resolved;
}

function positive(name: string, value: number): void {
  if (typeof value !== "number" || Number.isNaN(value) || !(value > 0)) {
    throw new RangeError(
      `Cannot use ${name} ${value}: expected a positive number`,
    );
  }
}

function nonNegative(name: string, value: number): void {
  if (typeof value !== "number" || Number.isNaN(value) || !(value >= 0)) {
    throw new RangeError(
      `Cannot use ${name} ${value}: expected a number of at least 0`,
    );
  }
}
