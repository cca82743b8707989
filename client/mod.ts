/**
 * The Lifeline client: connects to a Lifeline server through the transport
 * seam's dialer (`Deno.connect` by default), heartbeats, judges the
 * server's liveness by timestamps, and reconnects with capped exponential
 * backoff and full jitter. Optionally, an adaptive heartbeat interval after
 * Tencent Mars' "smart heartbeat". The policies themselves (`Backoff`,
 * `AdaptiveHeartbeat`) are in `@lifeline/lifeline/liveness`. See
 * `docs/client.md`.
 *
 * @example Connect, listen, send
 * ```ts
 * import { connect } from "@lifeline/lifeline/client";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * await using a = await connect({ name: "A", port: server.addr.port });
 * await using b = await connect({ name: "B", port: server.addr.port });
 * const got = new Promise<string>((resolve) => {
 *   a.addEventListener("message", (e) => resolve(`${e.detail.from}: ${e.detail.body}`));
 * });
 * b.addEventListener("dead", () => console.log("server declared dead"));
 * b.send("hi", "A");
 * console.log(await got); // "B: hi"
 * ```
 *
 * @module
 */

export * from "./client_base.ts";
export * from "./client.ts";
export * from "./connect.ts";
export * from "./options.ts";
export * from "./events.ts";
