/**
 * The Lifeline client: connects to a Lifeline server, heartbeats, judges the
 * server's liveness by timestamps, and reconnects with capped exponential
 * backoff and full jitter. Optionally, an adaptive heartbeat interval after
 * Tencent Mars' "smart heartbeat". See `docs/client.md`.
 *
 * @example Connect, listen, send
 * ```ts ignore
 * import { connect } from "@lifeline/lifeline/client";
 * await using client = await connect({ name: "B", hostname: "127.0.0.1", port: 9090 });
 * client.addEventListener("message", (e) => console.log(`${e.detail.from}: ${e.detail.body}`));
 * client.addEventListener("dead", () => console.log("server declared dead"));
 * client.send("hi", "A");
 * ```
 *
 * @module
 */

export * from "./client.ts";
export * from "./events.ts";
export * from "./backoff.ts";
export * from "./adaptive_heartbeat.ts";
