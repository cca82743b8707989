/**
 * Lifeline's heartbeat server: newline-delimited JSON over TCP (plus the Go
 * project guobinqiu/tcp-heartbeat's frames), a deadline per connection on a
 * timing wheel swept by one shared tick, so a silent client is dropped
 * within `timeout + tick` and a tick costs what expires, not what is
 * connected. The protocol is in `docs/protocol.md`, the how-to in
 * `docs/server.md`.
 *
 * API in brief:
 * - `startServer(options)` resolves once listening to a {@link LifelineServer}.
 *   Options (all optional, durations in ms): `hostname` ("127.0.0.1"),
 *   `port` (9090; 0 picks one), `interval` (5000), `timeout` (15000),
 *   `tick` (timeout / 10 within 10..1000), `maxFrameBytes` (65536),
 *   `maxConnections` (the transport's limit), `maxInvalidFrames` (3),
 *   `minPingInterval` (interval / 2), `maxPingStrikes` (2), `suspectAfter`
 *   (1.5 × interval), `presenceGrace` (0), `maxWatches` (10000),
 *   `retryAfterMin`/`retryAfterSpread` (1000/10000), `closeGrace`
 *   (1000), `shutdownGrace` (2000), `transport` ("deno" | "node" | a
 *   `Transport` from `@lifeline/lifeline/transport`), `clock`, `timers`,
 *   `random`, `signal`.
 * - `server.addr`, `server.transport`, `server.clients()`, `server.close()`,
 *   `server.drain(ms)` (closes spread over a period), `server.state`,
 *   `server.stats()` (counters and histograms; served as Prometheus metrics
 *   by `@lifeline/lifeline/admin`), `await using server = ...`.
 * - Events (`addEventListener`, `CustomEvent` with `detail`): `connect`
 *   (SessionInfo), `heartbeat` ({client, seq}), `message` ({from, to,
 *   body}), `timeout` ({id, client | null, remoteAddr, silentMs}), `close`
 *   ({client, reason}), `presence`, `shutdown` ({drainMs, connections}).
 *
 * @example Start a server, watch clients come and go, stop it
 * ```ts
 * import { startServer } from "@lifeline/lifeline/server";
 * const controller = new AbortController();
 * const server = await startServer({
 *   port: 0,
 *   interval: 1000,
 *   timeout: 3000,
 *   signal: controller.signal,
 * });
 * server.addEventListener("connect", (e) => console.log("+", e.detail.name));
 * server.addEventListener("close", (e) => {
 *   console.log("-", e.detail.client.name, e.detail.reason);
 * });
 * console.log(server.addr.port > 0); // true
 * controller.abort();
 * await server.close();
 * ```
 *
 * @module
 */

export * from "./server.ts";
export * from "./options.ts";
export * from "./events.ts";
export * from "./stats.ts";
