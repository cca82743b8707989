/**
 * Lifeline: connection liveness for long-lived TCP. A heartbeat server that
 * notices dead clients within a bounded time, a client that notices a dead
 * server and reconnects without stampeding, the wire protocol they share,
 * the transport seam under both, the liveness policies (deadlines, backoff,
 * adaptive interval) and a manager for the kernel's TCP keepalive settings.
 * Each part is also its own entry point: `@lifeline/lifeline/server`,
 * `/client`, `/protocol`, `/transport`, `/liveness`, `/auth`, `/cluster`
 * (with the Redis engine, which only that entry point loads), `/admin`,
 * `/sysctl`.
 *
 * @example Start a server and connect a client
 * ```ts
 * import { connect, startServer } from "@lifeline/lifeline";
 * await using server = await startServer({ port: 0, interval: 1000, timeout: 3000 });
 * await using client = await connect({ port: server.addr.port, name: "A" });
 * console.log(client.interval); // 1000: the client follows the server's policy
 * ```
 *
 * @module
 */

export * from "./common/mod.ts";
export * from "./protocol/mod.ts";
export * from "./transport/mod.ts";
export * from "./liveness/mod.ts";
export * from "./cluster/types.ts";
export * from "./cluster/local.ts";
export * from "./server/mod.ts";
export * from "./client/mod.ts";
export * from "./sysctl/mod.ts";
