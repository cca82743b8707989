/**
 * What a harness run measured: one server's figures, and the whole run's.
 * The report (`_report.ts`) and its sections render them.
 *
 * @module
 */

import type { Arrivals } from "./_arrivals.ts";
import type { BatchSummary } from "./_batches.ts";
import type { ClusterResult } from "./_cluster_measure.ts";
import type { HeapSummary } from "./_inspector.ts";
import type { LoadProtocol } from "./_load_types.ts";
import type { PresenceResult } from "./_presence_check.ts";
import type { ServerKind } from "./_servers.ts";

/** What the harness measured for one server and one protocol. */
export interface ServerResult {
  /** Which server. */
  kind: ServerKind;
  /** The git revision Lifeline ran at, when not the harness's own checkout. */
  revision?: string;
  /** Its name in reports. */
  label: string;
  /** The protocol the clients spoke. */
  protocol: LoadProtocol;
  /** Names each client watched, when it watched any. */
  watch?: number;
  /** `"uniform"` when the heartbeats arrived like independent clients'. */
  arrivals?: Exclude<Arrivals, "wheel">;
  /** Heartbeats per turn of the load's timer wheels in the window. */
  batches?: BatchSummary;
  /** Clients asked for. */
  clients: number;
  /** Connections open at the end of the steady window. */
  connections: number;
  /** Connection attempts that failed. */
  failed: number;
  /** Connections the server closed during the run. */
  dropped: number;
  /** Heartbeats per second the clients sent in the steady window. */
  heartbeatsPerSecond: number;
  /** Server RSS before any client connected, KiB. */
  rssBeforeKiB: number;
  /** Server RSS right after the ramp and the settle time (at least one interval), KiB. */
  rssAfterRampKiB: number;
  /** Server RSS at the end of the steady window, KiB. */
  rssEndKiB: number;
  /** The server's peak RSS (`VmHWM`), KiB. */
  peakKiB: number;
  /** (RSS at end - RSS before clients) / connections, KiB. */
  rssPerConnectionKiB: number;
  /** RSS at the end of the steady window / RSS right after the ramp. */
  rssCreep: number;
  /** Server CPU time over the steady window, % of one core. */
  cpuPercent: number;
  /** Server CPU time per heartbeat received, microseconds. */
  cpuMicrosPerHeartbeat: number;
  /** Pong round trips in ms (zero for the Go format, which has none). */
  rtt: { count: number; p50: number; p99: number; max: number };
  /** The slowest pong in each second of the steady window, ms. */
  worstPerSecond: number[];
  /** Pings sent while the previous one was unanswered. */
  late: number;
  /**
   * Clients dropped for silence while every client was healthy: `timeout`
   * events in the server's log, or what the clients saw (see
   * {@link ServerResult.falseTimeoutsFrom}).
   */
  falseTimeouts: number;
  /**
   * `"clients"` when the server's log could not tell (Lifeline at a
   * revision without `--log-format json`): then the count is the `bye`
   * frames with reason `timeout` the clients received, and with seed frames
   * (no replies) every drop.
   */
  falseTimeoutsFrom?: "clients";
  /** Milliseconds until every client was connected. */
  rampMs: number;
  /** Seconds of the steady window. */
  steadySeconds: number;
  /** RSS samples in the steady window: [seconds since its start, KiB]. */
  samples: [number, number][];
  /** Socket errors seen by the clients, by code. */
  errors: Record<string, number>;
  /** `bye` reasons and `error` codes the clients received. */
  frames: Record<string, number>;
  /** Which round of `--repeat` this was (1-based). */
  round?: number;
  /** A heap snapshot's summary at the end, with `--heap-snapshot`. */
  heap?: HeapSummary;
  /** The presence scenario's figures, when the run had one. */
  presence?: PresenceResult;
}

/** A whole harness run. */
export interface HarnessReport {
  /** When the run started (ISO 8601). */
  date: string;
  /** The command that ran it. */
  command: string;
  /** The machine. */
  machine: { cpu: string; cores: number; kernel: string; memoryMiB: number };
  /** `/proc/loadavg` before and after. */
  load: { before: string; after: string };
  /** Tool versions, and the revision of this checkout (`git describe`). */
  versions: { deno: string; v8: string; go: string; lifeline?: string };
  /** Whether everything ran in a private network namespace. */
  netns: boolean;
  /** The settings. */
  settings: Record<string, unknown>;
  /** One entry per server and protocol, in run order. */
  results: ServerResult[];
  /** Servers that could not be measured, and why. */
  skipped: { kind: string; protocol: string; reason: string }[];
  /** The cluster scenario's measurements, with `--workers`. */
  cluster?: ClusterResult[];
}
