/**
 * The admin endpoint's routes: metrics, health, readiness, the clients
 * list, the dashboard and its data, and the drain.
 *
 * @module
 */

import { parseDuration } from "../common/duration.ts";
import { errorMessage } from "../common/errors.ts";
import type { LifelineServer } from "../server/mod.ts";
import type { BearerToken } from "./_auth.ts";
import type { RecentEvents } from "./_recent_events.ts";
import { dashboardFile } from "./_static.ts";
import {
  type MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics_registry.ts";
import { readProcessStats } from "./process_metrics.ts";
import type { Readiness } from "./readiness.ts";

/** What the routes need. */
export interface AdminContext {
  /** The server. */
  readonly server: LifelineServer;
  /** The metrics. */
  readonly registry: MetricsRegistry;
  /** The readiness conditions. */
  readonly readiness: Readiness;
  /** The latest events. */
  readonly events: RecentEvents;
  /** The bearer token, or `null` for none. */
  readonly token: BearerToken | null;
  /** `POST /drain`'s period when none is asked for, in milliseconds. */
  readonly drainMs: number;
  /** The dashboard's refresh period, in milliseconds. */
  readonly refreshMs: number;
  /**
   * Starts the drain.
   *
   * @param durationMs The period.
   */
  drain(durationMs: number): void;
}

/** The most clients one `/clients` page holds. */
export const MAX_PAGE = 1000;

class BadRequest extends Error {}

/**
 * Answers one request.
 *
 * @param request The request.
 * @param ctx The endpoint's parts.
 * @returns The response.
 */
export async function handle(
  request: Request,
  ctx: AdminContext,
): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const method = request.method;
  try {
    if (path === "/healthz") return only("GET", method) ?? text(200, "ok\n");
    if (path === "/readyz") return only("GET", method) ?? readyz(ctx);
    const file = dashboardFile(path);
    if (file !== undefined) {
      return only("GET", method) ?? await serveFile(await file);
    }
    const protectedRoute = PROTECTED[path];
    if (protectedRoute === undefined) return text(404, `Not found: ${path}\n`);
    const wrongMethod = only(protectedRoute.method, method);
    if (wrongMethod !== undefined) return wrongMethod;
    if (ctx.token !== null && !ctx.token.allows(request)) {
      return new Response(
        "This endpoint needs Authorization: Bearer <token>\n",
        {
          status: 401,
          headers: {
            "content-type": "text/plain; charset=utf-8",
            "www-authenticate": 'Bearer realm="lifeline-admin"',
          },
        },
      );
    }
    return await protectedRoute.handle(url, ctx);
  } catch (error) {
    if (error instanceof BadRequest) return text(400, `${error.message}\n`);
    return text(500, `${errorMessage(error)}\n`);
  }
}

interface Route {
  method: "GET" | "POST";
  handle(url: URL, ctx: AdminContext): Response | Promise<Response>;
}

const PROTECTED: Record<string, Route> = {
  "/metrics": {
    method: "GET",
    handle: async (_url, ctx) =>
      new Response(await ctx.registry.render(), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
      }),
  },
  "/clients": { method: "GET", handle: clients },
  "/stats": { method: "GET", handle: stats },
  "/drain": { method: "POST", handle: drain },
};

function readyz(ctx: AdminContext): Response {
  const report = ctx.readiness.evaluate();
  const lines = report.checks.map((c) =>
    c.ok ? `[+] ${c.name} ok` : `[-] ${c.name}: ${c.reason}`
  );
  return text(
    report.ready ? 200 : 503,
    `${report.ready ? "ready" : "not ready"}\n${lines.join("\n")}\n`,
  );
}

function clients(url: URL, ctx: AdminContext): Response {
  const offset = integerParam(url, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = integerParam(url, "limit", 100, 1, MAX_PAGE);
  const all = ctx.server.clients();
  return json(200, {
    total: all.length,
    offset,
    limit,
    clients: all.slice(offset, offset + limit),
  });
}

async function stats(url: URL, ctx: AdminContext): Promise<Response> {
  const since = integerParam(url, "since", 0, 0, Number.MAX_SAFE_INTEGER);
  const server = ctx.server;
  const options = server.options;
  return json(200, {
    time: Date.now(),
    refreshMs: ctx.refreshMs,
    server: {
      state: server.state,
      address: server.state === "starting" ? null : server.addr,
      transport: server.state === "starting" ? null : server.transport.name,
      interval: options.interval,
      timeout: options.timeout,
      tick: options.tick,
      minPingInterval: options.minPingInterval,
      maxPingStrikes: options.maxPingStrikes,
      boundMs: options.timeout + options.tick,
      maxConnections: Number.isFinite(options.maxConnections)
        ? options.maxConnections
        : null,
      cluster: server.cluster,
    },
    readiness: ctx.readiness.evaluate(),
    stats: server.stats(),
    process: await readProcessStats(),
    lastEventSeq: ctx.events.lastSeq,
    events: ctx.events.since(since),
  });
}

function drain(url: URL, ctx: AdminContext): Response {
  const asked = url.searchParams.get("duration");
  let durationMs = ctx.drainMs;
  if (asked !== null) {
    try {
      durationMs = parseDuration(asked);
    } catch (error) {
      throw new BadRequest(`duration: ${errorMessage(error)}`);
    }
  }
  const already = ctx.server.state !== "serving";
  if (!already) ctx.drain(durationMs);
  return json(202, {
    state: already ? ctx.server.state : "draining",
    drainMs: already ? null : durationMs,
  });
}

function integerParam(
  url: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new BadRequest(
      `Cannot use ${name} "${raw}": expected an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function only(expected: string, method: string): Response | undefined {
  if (method === expected) return undefined;
  return new Response(`Method ${method} not allowed: expected ${expected}\n`, {
    status: 405,
    headers: { allow: expected, "content-type": "text/plain; charset=utf-8" },
  });
}

function serveFile(file: { body: Uint8Array; type: string }): Response {
  return new Response(file.body.slice(), {
    headers: { "content-type": file.type, "cache-control": "no-cache" },
  });
}

function text(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
    },
  });
}
