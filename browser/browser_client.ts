/**
 * The Lifeline client for web pages: {@link ClientBase} (the reconnect
 * loop, the liveness checks by timestamps, the backoff with full jitter,
 * `retryAfter`, the bounds on what a server says: the same code as the
 * Deno client) dialling WebSocket on the standard `WebSocket`, with its
 * timers in a dedicated Worker and the page's lifecycle events wired to
 * `wake()`.
 *
 * @module
 */

import { ClientBase } from "../client/client_base.ts";
import type { ClientOptions } from "../client/options.ts";
import { webSocketDialer } from "../transport/websocket_dialer.ts";
import { currentPage, type PageEvents, watchPage } from "./_page_lifecycle.ts";
import { type WorkerTimers, workerTimers } from "./worker_timers.ts";

export type {
  PageDocument,
  PageEvents,
  PageEventTarget,
} from "./_page_lifecycle.ts";

/** Options for {@link BrowserClient} and the browser's `connect()`. */
export interface BrowserClientOptions
  extends Omit<ClientOptions, "hostname" | "host" | "port" | "tls" | "dialer"> {
  /**
   * The server's WebSocket URL: `ws://` or `wss://`, or `http(s)://` and
   * relative URLs, which are read against the page's address and turned
   * into `ws(s)://` (`"/lifeline"` on `https://example.com` is
   * `wss://example.com/lifeline`).
   */
  url: string | URL;
  /**
   * Run the timers (heartbeats, liveness checks, reconnect delays) in a
   * dedicated Worker, whose timers a hidden tab does not throttle. Falls
   * back to the page's timers where no worker can start. Ignored when
   * `timers` is given.
   * @default {true}
   */
  worker?: boolean;
  /**
   * The page whose events wake the client (`visibilitychange`, `online`,
   * `offline`, `pageshow`, `resume`): the page the code runs in by
   * default; `false` to watch none.
   * @default {the current page}
   */
  page?: PageEvents | false;
}

interface MaybeLocation {
  location?: { href: string };
}

/**
 * Reads a server URL the way a browser's `WebSocket` does: relative to the
 * page, `http:` as `ws:` and `https:` as `wss:`.
 */
function webSocketUrl(url: string | URL): URL {
  const base = (globalThis as MaybeLocation).location?.href;
  const parsed = new URL(url, base);
  if (parsed.protocol === "http:") parsed.protocol = "ws:";
  else if (parsed.protocol === "https:") parsed.protocol = "wss:";
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(
      `Cannot connect to "${parsed.href}": expected a ws:, wss:, http: or https: URL`,
    );
  }
  return parsed;
}

/**
 * A client of a Lifeline server for web pages, over WebSocket. It
 * heartbeats from a dedicated Worker's timers, so a hidden tab stays
 * online; it checks at once, by timestamps, when the page comes back
 * (shown, online, resumed, restored from the back/forward cache), so a tab
 * that was frozen or a laptop that slept reconnects as it wakes; and it
 * reconnects with the Deno client's backoff (full jitter, `retryAfter` as
 * a floor). See `docs/browser.md`.
 *
 * @example Connect from a page (here, from Deno)
 * ```ts
 * import { BrowserClient } from "@lifeline/lifeline/browser";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0, ws: { port: 0 } });
 * await using client = new BrowserClient({
 *   url: `ws://127.0.0.1:${server.wsAddr!.port}/`,
 *   name: "page",
 * });
 * client.addEventListener("presence", (e) => console.log(e.detail.name, e.detail.state));
 * await new Promise((resolve) => client.addEventListener("welcome", resolve, { once: true }));
 * client.watch(["page"]);
 * console.log(client.connected, client.timersInWorker); // true true
 * ```
 */
export class BrowserClient extends ClientBase {
  /** The server's WebSocket URL. */
  readonly url: string;
  #timers: WorkerTimers | undefined;
  #stopWatching: (() => void) | undefined;

  /**
   * Creates the client and starts connecting (on the next microtask, so
   * listeners added right after construction see every event).
   *
   * @param options The URL, the name, and the policies.
   * @throws {TypeError} For a URL that is not a WebSocket one, or a bad
   * name.
   */
  constructor(options: BrowserClientOptions) {
    const url = webSocketUrl(options.url);
    const { url: _url, worker, page, ...rest } = options;
    const own = options.timers === undefined && worker !== false
      ? workerTimers()
      : undefined;
    // The worker starts with the first timer, after the options passed.
    super(
      {
        ...rest,
        ...(own === undefined ? {} : { timers: own }),
        hostname: url.hostname,
        port: Number(url.port) || (url.protocol === "wss:" ? 443 : 80),
      },
      webSocketDialer({ url }),
    );
    this.url = url.href;
    this.#timers = own;
    const watched = page === undefined ? currentPage() : page || undefined;
    if (watched !== undefined) {
      this.#stopWatching = watchPage(watched, () => this.wake());
    }
    this.addEventListener("close", () => {
      this.#stopWatching?.();
      this.#timers?.terminate();
    }, { once: true });
  }

  /** Whether the timers run in a dedicated Worker (see `worker`). */
  get timersInWorker(): boolean {
    return this.#timers?.inWorker === true;
  }
}
