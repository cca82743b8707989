/**
 * Many servers, one service: the adapter interface between a server's hub
 * and the other servers of a cluster, the adapter of a server alone
 * (`localCluster`, the default), and the Redis engine (`redisCluster`).
 * Heartbeats and liveness stay local; only what changes crosses. See
 * `docs/cluster.md`.
 *
 * @example A server alone
 * ```ts
 * import { localCluster } from "@lifeline/lifeline/cluster";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0, cluster: localCluster() });
 * console.log(server.addr.port > 0); // true
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./local.ts";
export * from "./redis/redis.ts";
export * from "./redis/url.ts";
