/**
 * Fills in the defaults of the client's options and checks every value.
 *
 * @module
 */

import { globalTimers, sleepAwareClock } from "../common/time.ts";
import type { Clock, Timers } from "../common/time.ts";
import { integerAtLeast, positive } from "../common/validate.ts";
import { AdaptiveHeartbeat } from "../liveness/adaptive_heartbeat.ts";
import { Backoff } from "../liveness/backoff.ts";
import {
  DEFAULT_HOSTNAME,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_PORT,
} from "../protocol/defaults.ts";
import { isValidName, NAME_RULE } from "../protocol/frames.ts";
import type { Dialer } from "../transport/types.ts";
import type { ClientOptions } from "./options.ts";
import {
  MAX_TIMER_MS,
  type ResolvedServerBounds,
  resolveServerBounds,
} from "./_server_bounds.ts";

/** {@link ClientOptions} checked, with their defaults and policies made. */
export interface ResolvedClientOptions {
  /** The name. */
  name: string;
  /** The server's host. */
  hostname: string;
  /** The server's port. */
  port: number;
  /** The TCP connect and the wait for `welcome`, each, in milliseconds. */
  connectTimeout: number;
  /** The longest time between liveness checks, in milliseconds. */
  tick: number;
  /** Messages kept while disconnected. */
  maxQueue: number;
  /** The longest frame, in bytes. */
  maxFrameBytes: number;
  /** The clock. */
  clock: Clock;
  /** The timers. */
  timers: Timers;
  /** The dialer. */
  dialer: Dialer;
  /** Whether to reconnect at all. */
  reconnect: boolean;
  /** Reconnect attempts in a row before giving up. */
  maxAttempts: number;
  /** The reconnect delays. */
  backoff: Backoff;
  /** The adaptive interval, when on. */
  adaptive: AdaptiveHeartbeat | undefined;
  /** The first token, if any. */
  token: string | undefined;
  /** Gets a fresh token, if given. */
  refreshToken: (() => string | Promise<string>) | undefined;
  /** What the client accepts from a server. */
  serverBounds: ResolvedServerBounds;
}

function timerDelay(name: string, value: number): number {
  positive(name, value);
  if (value > MAX_TIMER_MS) {
    throw new RangeError(
      `Cannot use ${name} "${value}": expected at most ${MAX_TIMER_MS} ms`,
    );
  }
  return value;
}

/**
 * Checks the client's options and fills in their defaults.
 *
 * @param options The options as given.
 * @param dialer The dialer when `options.dialer` is not given.
 * @returns The options, resolved.
 * @throws {TypeError} For a bad name.
 * @throws {RangeError} For a value out of range.
 *
 * @example
 * ```ts
 * import { resolveClientOptions } from "./_resolve_options.ts";
 * import { memoryNetwork } from "../transport/memory.ts";
 * console.log(resolveClientOptions({ name: "A" }, memoryNetwork().dialer).port); // 9090
 * ```
 */
export function resolveClientOptions(
  options: ClientOptions,
  dialer: Dialer,
): ResolvedClientOptions {
  if (!isValidName(options.name)) {
    throw new TypeError(
      `Cannot use client name ${
        JSON.stringify(options.name)
      }: expected ${NAME_RULE}`,
    );
  }
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot use port "${port}": expected an integer from 1 to 65535`,
    );
  }
  const clock = options.clock ?? sleepAwareClock();
  const reconnect = options.reconnect ?? true;
  const policy = typeof reconnect === "object" ? reconnect : {};
  const adaptive = options.adaptive ?? false;
  // A delay past 2^31 - 1 ms would make setTimeout fire at once.
  if (policy.maxDelay !== undefined) {
    timerDelay("reconnect.maxDelay", policy.maxDelay);
  }
  if (policy.initialDelay !== undefined) {
    timerDelay("reconnect.initialDelay", policy.initialDelay);
  }
  return {
    name: options.name,
    hostname: options.hostname ?? options.host ?? DEFAULT_HOSTNAME,
    port,
    connectTimeout: timerDelay(
      "connectTimeout",
      options.connectTimeout ?? 10_000,
    ),
    tick: timerDelay("tick", options.tick ?? 1000),
    maxQueue: integerAtLeast("maxQueue", options.maxQueue ?? 100, 0),
    maxFrameBytes: positive(
      "maxFrameBytes",
      options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    ),
    clock,
    timers: options.timers ?? globalTimers,
    dialer: options.dialer ?? dialer,
    reconnect: reconnect !== false,
    maxAttempts: policy.maxAttempts ?? Infinity,
    backoff: new Backoff(policy),
    token: options.token,
    refreshToken: options.refreshToken,
    adaptive: adaptive === false ? undefined : new AdaptiveHeartbeat({
      ...(typeof adaptive === "object" ? adaptive : {}),
      clock,
    }),
    serverBounds: resolveServerBounds(options.serverBounds),
  };
}
