/**
 * The admin endpoint: an HTTP server beside the client port, for
 * operators. `GET /metrics` (Prometheus text format 0.0.4), `GET /healthz`,
 * `GET /readyz`, `GET /clients` (JSON, paginated), `GET /stats` (the
 * dashboard's data), `POST /drain`, and the live dashboard at `GET /`.
 * It must not be exposed publicly: listen on loopback or a private
 * network, or set a bearer token.
 *
 * @module
 */

import type { LifelineServer } from "../server/mod.ts";
import { BearerToken } from "./_auth.ts";
import { handle } from "./_handler.ts";
import { RecentEvents } from "./_recent_events.ts";
import { MetricsRegistry } from "./metrics_registry.ts";
import { registerProcessMetrics } from "./process_metrics.ts";
import {
  clusterReadiness,
  Readiness,
  type ReadinessCheck,
  serverReadiness,
} from "./readiness.ts";
import { registerServerMetrics } from "./server_metrics.ts";

/** Options for {@link startAdmin}. */
export interface AdminOptions {
  /**
   * The address to listen on. Keep it private: see the module doc.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port; `0` picks a free one (read it from `admin.addr`).
   * @default {9091}
   */
  port?: number;
  /**
   * A bearer token (at least 16 characters) that every route but
   * `/healthz`, `/readyz` and the dashboard's static files requires, as
   * `Authorization: Bearer <token>`. The dashboard reads it from the page
   * address's fragment: `/#token=<token>`.
   */
  token?: string;
  /**
   * `POST /drain`'s period when the request gives no `?duration=`, in
   * milliseconds.
   * @default {10000}
   */
  drainMs?: number;
  /**
   * What `POST /drain` does (a command line hands it to its own shutdown).
   * @default {(ms) => void server.drain(ms)}
   */
  drain?: (durationMs: number) => void;
  /**
   * A registry to render, with families of its own (a cluster's gauges);
   * the server's and the process's metrics are added to it.
   * @default {a new MetricsRegistry}
   */
  registry?: MetricsRegistry;
  /**
   * Conditions of readiness besides the server's own (`serving`).
   * @default {[]}
   */
  readiness?: readonly ReadinessCheck[];
  /**
   * Reads how many log lines were dropped, for
   * `lifeline_log_lines_dropped_total`.
   * @default {() => 0}
   */
  logLinesDropped?: () => number;
  /**
   * How often the dashboard refreshes, in milliseconds (a page may ask
   * for another with `?refresh=`).
   * @default {1000}
   */
  refreshMs?: number;
  /**
   * How many recent connects, timeouts and disconnects the dashboard lists.
   * @default {50}
   */
  recentEvents?: number;
}

/**
 * A running admin endpoint. Stop it with `close()` or `await using`.
 *
 * @example Serve metrics and readiness for a server
 * ```ts
 * import { startAdmin } from "@lifeline/lifeline/admin";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * await using admin = await startAdmin(server, { port: 0 });
 * const base = `http://127.0.0.1:${admin.addr.port}`;
 * const ready = await fetch(`${base}/readyz`);
 * await ready.body?.cancel();
 * const metrics = await (await fetch(`${base}/metrics`)).text();
 * console.log(ready.status, metrics.includes("lifeline_timeouts_total 0")); // 200 true
 * ```
 */
export class AdminServer {
  readonly #http: Deno.HttpServer<Deno.NetAddr>;
  readonly #events: RecentEvents;
  #closing: Promise<void> | null = null;
  /** The metrics it renders: add families to it. */
  readonly registry: MetricsRegistry;
  /** Its readiness conditions: add conditions to it. */
  readonly readiness: Readiness;

  /**
   * Use {@link startAdmin} instead.
   *
   * @param server The Lifeline server.
   * @param options The options.
   */
  constructor(server: LifelineServer, options: AdminOptions = {}) {
    const token = options.token === undefined
      ? null
      : new BearerToken(options.token);
    this.registry = options.registry ?? new MetricsRegistry();
    registerServerMetrics(this.registry, server, {
      logLinesDropped: options.logLinesDropped,
    });
    registerProcessMetrics(this.registry);
    this.readiness = new Readiness([
      serverReadiness(server),
      ...server.cluster.distributed ? [clusterReadiness(server)] : [],
      ...options.readiness ?? [],
    ]);
    this.#events = new RecentEvents(server, options.recentEvents ?? 50);
    const ctx = {
      server,
      registry: this.registry,
      readiness: this.readiness,
      events: this.#events,
      token,
      drainMs: options.drainMs ?? 10_000,
      refreshMs: options.refreshMs ?? 1000,
      drain: options.drain ??
        ((durationMs: number) => void server.drain(durationMs)),
    };
    try {
      this.#http = Deno.serve({
        hostname: options.hostname ?? "127.0.0.1",
        port: options.port ?? 9091,
        onListen: () => {},
      }, (request) => handle(request, ctx));
    } catch (error) {
      this.#events.dispose();
      throw error;
    }
  }

  /** The address it listens on (with the real port). */
  get addr(): Deno.NetAddr {
    return this.#http.addr;
  }

  /**
   * Stops serving, after the requests in flight.
   *
   * @returns A promise that settles once it is closed.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#events.dispose();
      await this.#http.shutdown();
    })();
    return this.#closing;
  }

  /**
   * Stops serving; see {@link close}.
   *
   * @returns A promise that settles once it is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts the admin endpoint of a server.
 *
 * @param server The Lifeline server to report on and drain.
 * @param options Address, token, drain, extra metrics and readiness
 * conditions, dashboard settings; see {@link AdminOptions}.
 * @returns The running endpoint.
 * @throws When it cannot listen (the port is taken, say).
 *
 * @example Drain a server through its admin endpoint
 * ```ts
 * import { startAdmin } from "@lifeline/lifeline/admin";
 * import { startServer } from "@lifeline/lifeline/server";
 * const server = await startServer({ port: 0 });
 * await using admin = await startAdmin(server, { port: 0 });
 * const base = `http://127.0.0.1:${admin.addr.port}`;
 * const drain = await fetch(`${base}/drain?duration=1s`, { method: "POST" });
 * console.log(drain.status, (await drain.json()).state); // 202 "draining"
 * const ready = await fetch(`${base}/readyz`);
 * console.log(ready.status, (await ready.text()).split("\n")[0]); // 503 "not ready"
 * await server.close();
 * ```
 */
export function startAdmin(
  server: LifelineServer,
  options: AdminOptions = {},
): Promise<AdminServer> {
  try {
    return Promise.resolve(new AdminServer(server, options));
  } catch (error) {
    return Promise.reject(error);
  }
}
