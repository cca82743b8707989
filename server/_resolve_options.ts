/**
 * Fills in the defaults of the server's options and checks every value.
 *
 * @module
 */

import { nonNegative, positive } from "../common/validate.ts";
import {
  DEFAULT_HOSTNAME,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_PORT,
} from "../protocol/defaults.ts";
import { DEFAULT_MAX_WRITE_BUFFER_BYTES } from "../transport/types.ts";
import {
  DEFAULT_MAX_PING_STRIKES,
  DEFAULT_MSG_BYTE_RATE,
  defaultMinPingInterval,
  defaultTick,
  type ResolvedServerOptions,
  type ServerOptions,
} from "./options.ts";

/**
 * Fills in the defaults of {@link ServerOptions} and checks every value.
 * `maxConnections` stays `Infinity` when not given: the server lowers it to
 * its transport's connection limit once it listens.
 *
 * @param options The options as given.
 * @returns The options with defaults.
 * @throws {RangeError} When a value is out of range.
 *
 * @example
 * ```ts
 * import { resolveServerOptions } from "./_resolve_options.ts";
 * console.log(resolveServerOptions({ timeout: 300 }).tick); // 30
 * ```
 */
export function resolveServerOptions(
  options: ServerOptions = {},
): ResolvedServerOptions {
  const interval = options.interval ?? 5000;
  const timeout = options.timeout ?? 15_000;
  const resolved: ResolvedServerOptions = {
    hostname: options.hostname ?? DEFAULT_HOSTNAME,
    port: options.port ?? DEFAULT_PORT,
    reusePort: options.reusePort ?? false,
    interval,
    timeout,
    tick: options.tick ?? defaultTick(timeout),
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxConnections: options.maxConnections ?? Infinity,
    maxInvalidFrames: options.maxInvalidFrames ?? 3,
    minPingInterval: options.minPingInterval ??
      defaultMinPingInterval(interval),
    maxPingStrikes: options.maxPingStrikes ?? DEFAULT_MAX_PING_STRIKES,
    suspectAfter: options.suspectAfter ?? Math.round(interval * 1.5),
    presenceGrace: options.presenceGrace ?? 0,
    maxWatches: options.maxWatches ?? 10_000,
    allowUnauthenticatedGo: options.allowUnauthenticatedGo ?? false,
    msgRate: options.msgRate ?? 100,
    msgBurst: options.msgBurst ?? 2 * (options.msgRate ?? 100),
    msgByteRate: options.msgByteRate ?? DEFAULT_MSG_BYTE_RATE,
    msgByteBurst: options.msgByteBurst ??
      Math.min(
        2 * (options.msgByteRate ?? DEFAULT_MSG_BYTE_RATE),
        Math.floor(
          (options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES) / 2,
        ),
      ),
    maxPerIp: options.maxPerIp ?? 0,
    connectRate: options.connectRate ?? 0,
    retryAfterMin: options.retryAfterMin ?? 1000,
    retryAfterSpread: options.retryAfterSpread ?? 10_000,
    closeGrace: options.closeGrace ?? 1000,
    shutdownGrace: options.shutdownGrace ?? 2000,
    maxWriteBufferBytes: options.maxWriteBufferBytes ??
      DEFAULT_MAX_WRITE_BUFFER_BYTES,
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
      "maxInvalidFrames",
      "suspectAfter",
      "maxWatches",
    ] as const
  ) {
    positive(key, resolved[key]);
  }
  positive("maxConnections", resolved.maxConnections, true);
  for (
    const key of [
      "minPingInterval",
      "maxPingStrikes",
      "presenceGrace",
      "msgRate",
      "msgBurst",
      "msgByteRate",
      "msgByteBurst",
      "maxPerIp",
      "connectRate",
      "retryAfterMin",
      "retryAfterSpread",
      "closeGrace",
      "shutdownGrace",
      "maxWriteBufferBytes",
    ] as const
  ) {
    nonNegative(key, resolved[key]);
  }
  if (!Number.isInteger(resolved.maxFrameBytes)) {
    throw new RangeError(
      `Cannot use maxFrameBytes "${resolved.maxFrameBytes}": expected an integer`,
    );
  }
  return resolved;
}
