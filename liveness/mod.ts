/**
 * Liveness policies, free of any socket or runtime API so that the server,
 * the Deno client and the browser client share them: deadlines on a hashed
 * timing wheel swept by one ticker (a tick costs what expires, not what is
 * tracked), the heartbeat registry built on them, reconnect backoff with
 * full jitter, jittered `retryAfter` hints, and the adaptive heartbeat
 * interval (Tencent Mars' smart heartbeat).
 *
 * @example Spread reconnects and expire a silent entry
 * ```ts
 * import {
 *   Backoff,
 *   DeadlineEntry,
 *   HeartbeatRegistry,
 * } from "@lifeline/lifeline/liveness";
 * const backoff = new Backoff({ initialDelay: 100, random: () => 0.5 });
 * console.log(backoff.next(), backoff.next()); // 50 100
 * let now = 0;
 * const registry = new HeartbeatRegistry<DeadlineEntry>({
 *   timeoutMs: 300,
 *   tickMs: 100,
 *   clock: { now: () => now },
 *   onExpire: () => console.log("expired"),
 * });
 * registry.add(new DeadlineEntry());
 * now = 400;
 * registry.sweep(); // expired
 * ```
 *
 * @module
 */

export type { Clock, Timers } from "../common/time.ts";
export * from "./deadline_registry.ts";
export * from "./heartbeat_registry.ts";
export * from "./backoff.ts";
export * from "./retry_after.ts";
export * from "./adaptive_heartbeat.ts";
