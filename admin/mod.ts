/**
 * Lifeline's admin endpoint, for operators: Prometheus metrics, health and
 * readiness, a paginated clients list, a drain, and a live dashboard,
 * served over HTTP beside (never on) the client port. The server counts in
 * plain numbers on its hot path; this module only reads them when asked.
 * The reference is `docs/operations.md`.
 *
 * - `startAdmin(server, options)` resolves to an {@link AdminServer}:
 *   `GET /metrics`, `/healthz`, `/readyz`, `/clients`, `/stats`, `/`
 *   (dashboard), `POST /drain`.
 * - `MetricsRegistry` renders families in text format 0.0.4;
 *   `registerServerMetrics` and `registerProcessMetrics` add Lifeline's and
 *   the process's. More families (a cluster's) can be added to the same
 *   registry.
 * - `Readiness` is a list of conditions (`serverReadiness(server)` is the
 *   first); more (a cluster's) can be added.
 *
 * @example Metrics, readiness and the dashboard for a server
 * ```ts
 * import { startAdmin } from "@lifeline/lifeline/admin";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * await using admin = await startAdmin(server, { port: 0 });
 * const page = await fetch(`http://127.0.0.1:${admin.addr.port}/`);
 * console.log(page.status, (await page.text()).includes("<title>Lifeline")); // 200 true
 * ```
 *
 * @module
 */

export * from "./admin_server.ts";
export * from "./metrics_registry.ts";
export * from "./server_metrics.ts";
export * from "./process_metrics.ts";
export * from "./readiness.ts";
