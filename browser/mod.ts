/**
 * Lifeline for web pages: a client over the standard `WebSocket` that
 * survives sleep, background tabs and network switches. It shares the
 * Deno client's reconnect and liveness code (`ClientBase`: backoff with
 * full jitter, `retryAfter`, dead-server detection by timestamps, bounds
 * on what a server says), heartbeats from a dedicated Worker's timers
 * (not throttled in a hidden tab), and checks at once when the page comes
 * back (`visibilitychange`, `online`/`offline`, `pageshow`, `resume`). No
 * Deno API: `deno task build:browser` bundles it into one file,
 * `dist/lifeline.js`, for pages without a bundler. The server side is
 * `startServer({ ws })` or `--ws HOST:PORT`. See `docs/browser.md`.
 *
 * @example In a page
 * ```ts
 * import { connect } from "@lifeline/lifeline/browser";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0, ws: { port: 0 } });
 * await using client = await connect({ url: `ws://127.0.0.1:${server.wsAddr!.port}/`, name: "A" });
 * client.addEventListener("message", (e) => console.log(e.detail.from, e.detail.body));
 * client.addEventListener("presence", (e) => console.log(e.detail.name, e.detail.state, e.detail.reason));
 * client.watch(["B"]);
 * ```
 *
 * @module
 */

export * from "./browser_client.ts";
export * from "./connect.ts";
export * from "./worker_timers.ts";
export * from "../client/client_base.ts";
export * from "../client/options.ts";
export * from "../client/events.ts";
export * from "../transport/websocket_dialer.ts";
