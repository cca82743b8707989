/**
 * The `lifeline_*` metric families of one server, read from its
 * `stats()` snapshot when scraped (one snapshot per scrape). Times are in
 * seconds, as Prometheus has them; the server counts in milliseconds.
 *
 * @module
 */

import type {
  HistogramSnapshot,
  LifelineServer,
  ServerStats,
} from "../server/mod.ts";
import type {
  HistogramSample,
  MetricsRegistry,
  Sample,
} from "./metrics_registry.ts";

/** Options for {@link registerServerMetrics}. */
export interface ServerMetricsOptions {
  /**
   * Reads how many log lines were dropped (a log that writes without
   * blocking drops lines when its output cannot keep up).
   * @default {() => 0}
   */
  logLinesDropped?: () => number;
}

/**
 * Registers a server's metrics: connections by protocol, accepted and
 * refused connections, heartbeats, frames by type, timeouts, disconnects
 * by reason, the detection-time and sweep-time histograms, presence
 * changes by state, the longest write queue, dropped log lines, whether
 * it drains, and in a cluster the nodes alive and whether Redis is up.
 * See `docs/operations.md` for the reference.
 *
 * @param registry The registry to add them to.
 * @param server The server to read.
 * @param options Where the dropped-log-line count comes from.
 * @returns The registry.
 *
 * @example
 * ```ts
 * import { MetricsRegistry, registerServerMetrics } from "@lifeline/lifeline/admin";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * const registry = registerServerMetrics(new MetricsRegistry(), server);
 * const text = await registry.render();
 * console.log(text.includes('lifeline_connections{protocol="lifeline"} 0')); // true
 * ```
 */
export function registerServerMetrics(
  registry: MetricsRegistry,
  server: LifelineServer,
  options: ServerMetricsOptions = {},
): MetricsRegistry {
  const logLinesDropped = options.logLinesDropped ?? (() => 0);
  let stats: ServerStats = server.stats();
  const by = <K extends string>(
    label: string,
    values: Record<K, number>,
  ): Sample[] =>
    Object.entries<number>(values).map(([value, count]) => ({
      labels: { [label]: value },
      value: count,
    }));
  const options_ = server.options;
  registry
    .beforeCollect(() => {
      stats = server.stats();
    })
    .gauge({
      name: "lifeline_connections",
      help: "Registered clients now, by wire protocol.",
      collect: () => by("protocol", stats.connections),
    })
    .gauge({
      name: "lifeline_open_connections",
      help:
        "Open connections now, registered or not (what counts toward the limit).",
      collect: () => stats.open,
    })
    .gauge({
      name: "lifeline_max_connections",
      help: "The connection limit in force.",
      collect: () => options_.maxConnections,
    })
    .counter({
      name: "lifeline_connections_accepted_total",
      help: "Connections accepted by the listener, refused ones included.",
      collect: () => stats.accepted,
    })
    .counter({
      name: "lifeline_connections_refused_total",
      help: "Connections turned away at accept time, by bye reason.",
      collect: () => by("reason", stats.refused),
    })
    .counter({
      name: "lifeline_heartbeats_total",
      help: "Heartbeats answered (pings after hello, Go-format heartbeats).",
      collect: () => stats.heartbeats,
    })
    .counter({
      name: "lifeline_frames_total",
      help: "Inbound frames, by type.",
      collect: () => by("type", stats.frames),
    })
    .counter({
      name: "lifeline_timeouts_total",
      help: "Connections dropped for silence.",
      collect: () => stats.timeouts,
    })
    .counter({
      name: "lifeline_disconnects_total",
      help: "Registered clients whose session ended, by reason.",
      collect: () => by("reason", stats.disconnects),
    })
    .histogram({
      name: "lifeline_detection_seconds",
      help:
        "Silence of a connection at the moment the sweeper closed it (detection time).",
      collect: () => seconds(stats.detection),
    })
    .gauge({
      name: "lifeline_detection_bound_seconds",
      help: "The detection bound: timeout + tick.",
      collect: () => (options_.timeout + options_.tick) / 1000,
    })
    .histogram({
      name: "lifeline_sweep_duration_seconds",
      help: "How long one liveness sweep (a tick) took.",
      collect: () => seconds(stats.sweep),
    })
    .counter({
      name: "lifeline_presence_events_total",
      help: "Presence changes of watched names, by new state.",
      collect: () => by("state", stats.presence),
    })
    .gauge({
      name: "lifeline_write_queue_bytes",
      help: "The most bytes waiting to be written to any one connection now.",
      collect: () => stats.writeQueueMaxBytes,
    })
    .counter({
      name: "lifeline_log_lines_dropped_total",
      help: "Log lines dropped because the log could not keep up.",
      collect: logLinesDropped,
    })
    .gauge({
      name: "lifeline_draining",
      help: "1 while the server drains or stops (not accepting), else 0.",
      collect: () => (stats.state === "serving" ? 0 : 1),
    });
  if (!server.cluster.distributed) return registry;
  return registry
    .gauge({
      name: "lifeline_cluster_nodes",
      help: "Cluster nodes alive at this node's last look, itself included.",
      collect: () => server.cluster.nodes,
    })
    .gauge({
      name: "lifeline_cluster_redis_up",
      help:
        "1 while Redis is reachable and this node is not fenced (cross-node features work), else 0.",
      collect: () => (server.cluster.available ? 1 : 0),
    });
}

function seconds(histogram: HistogramSnapshot): HistogramSample {
  return {
    bounds: histogram.bounds.map((ms) => ms / 1000),
    counts: histogram.counts,
    sum: histogram.sum / 1000,
    count: histogram.count,
  };
}
