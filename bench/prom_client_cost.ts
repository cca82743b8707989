/**
 * Why the admin endpoint does not use prom-client: its cost per event under
 * Deno, next to the plain field increment the server does. Times one call
 * of each kind over many iterations and renders prom-client's default
 * process metrics once, to show what they report under Deno.
 *
 * ```sh
 * deno run -A bench/prom_client_cost.ts
 * ```
 *
 * @module
 */

import client from "prom-client";

const N = 5_000_000;

function time(label: string, fn: () => void): void {
  for (let i = 0; i < 100_000; i++) fn();
  const start = performance.now();
  for (let i = 0; i < N; i++) fn();
  const ns = ((performance.now() - start) / N) * 1e6;
  console.log(`| ${label} | ${ns.toFixed(1)} |`);
}

if (import.meta.main) {
  const registry = new client.Registry();
  const counter = new client.Counter({
    name: "heartbeats_total",
    help: "h",
    registers: [registry],
  });
  const labelled = new client.Counter({
    name: "disconnects_total",
    help: "h",
    labelNames: ["reason"],
    registers: [registry],
  });
  const child = labelled.labels("timeout");
  const histogram = new client.Histogram({
    name: "detection_seconds",
    help: "h",
    buckets: [1, 1.025, 1.05, 1.075, 1.1, 1.2, 2],
    registers: [registry],
  });
  const stats = { heartbeats: 0, timeout: 0 };
  console.log("| one event | ns per call |");
  console.log("| --- | ---: |");
  time(
    "plain field increment (`stats.heartbeats++`)",
    () => void stats.heartbeats++,
  );
  time("prom-client `Counter.inc()`", () => counter.inc());
  time(
    'prom-client `Counter.inc({ reason: "timeout" })`',
    () => labelled.inc({ reason: "timeout" }),
  );
  time('prom-client `labels("timeout").inc()`', () => child.inc());
  time("prom-client `Histogram.observe(1.05)`", () => histogram.observe(1.05));
  const defaults = new client.Registry();
  client.collectDefaultMetrics({ register: defaults });
  const lagLines = (text: string) =>
    text.split("\n").filter((line) =>
      line.startsWith("nodejs_eventloop_lag_m") && !line.startsWith("#")
    ).join("\n");
  // At once (a scrape right after start), and after 100 ms.
  const atOnce = lagLines(await defaults.metrics());
  await new Promise((resolve) => setTimeout(resolve, 100));
  const later = lagLines(await defaults.metrics());
  console.log(
    `\nprom-client's default event-loop metrics under Deno ${Deno.version.deno}, scraped at once:`,
  );
  console.log(atOnce);
  console.log("and 100 ms later:");
  console.log(later);
  // The default metrics keep a timer running: end the process.
  Deno.exit(0);
}
