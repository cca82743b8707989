/**
 * Measures one server under one protocol: starts it, ramps the load
 * generator's clients, samples the server process's RSS and CPU from
 * `/proc` over a steady window that ends before the clients leave, and
 * stops both. With the presence scenario, the clients watch, are killed
 * and frozen as planned, and what their watchers received is checked.
 *
 * @module
 */

import { defaultTick } from "../server/options.ts";
import { summariseBatches } from "./_batches.ts";
import type { HarnessOptions } from "./_harness_args.ts";
import { takeHeapSnapshot } from "./_inspector.ts";
import { type LoadReport, LoadRun } from "./_load_run.ts";
import type { LoadProtocol } from "./_load_types.ts";
import { checkPresence, type PresenceResult } from "./_presence_check.ts";
import { planPresence } from "./_presence_plan.ts";
import { clockTicksPerSecond, readCpuTicks, readMemory } from "./_proc.ts";
import type { ServerResult } from "./_results.ts";
import { ServerProcess } from "./_server_process.ts";
import {
  type ServerKind,
  type ServerSettings,
  serverSpec,
} from "./_servers.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${ms} ms: ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A planned stop of a process, cancelled (and resumed) on demand. */
interface Stall {
  /** Cancels the stop, or resumes the process if it is stopped. */
  cancel(): void;
}

/**
 * Stops a process (SIGSTOP) after `afterMs` and resumes it (SIGCONT)
 * `forMs` later: what a long GC pause or CPU starvation does to a server.
 */
function stallProcess(
  child: Deno.ChildProcess,
  afterMs: number,
  forMs: number,
): Stall {
  const send = (signo: "SIGSTOP" | "SIGCONT") => {
    try {
      child.kill(signo);
    } catch { /* gone */ }
  };
  let resume: ReturnType<typeof setTimeout> | undefined;
  const stop = setTimeout(() => {
    send("SIGSTOP");
    resume = setTimeout(() => {
      resume = undefined;
      send("SIGCONT");
    }, forMs);
  }, afterMs);
  return {
    cancel() {
      clearTimeout(stop);
      if (resume !== undefined) {
        clearTimeout(resume);
        send("SIGCONT");
      }
    },
  };
}

/**
 * The clients' count of drops for silence, for a server whose log cannot
 * tell: with Lifeline's protocol the `bye` frames with reason `timeout`;
 * with seed frames, which have no replies, every drop.
 *
 * @param report The load generator's report.
 * @param protocol What the clients spoke.
 * @returns The count.
 *
 * @example
 * ```ts
 * import { timeoutsSeenByClients } from "./_measure.ts";
 * const report = { dropped: 3, frames: { "bye timeout": 2 } };
 * console.log(timeoutsSeenByClients(report, "lifeline"), timeoutsSeenByClients(report, "go")); // 2 3
 * ```
 */
export function timeoutsSeenByClients(
  report: Pick<LoadReport, "dropped" | "frames">,
  protocol: LoadProtocol,
): number {
  return protocol === "lifeline"
    ? report.frames["bye timeout"] ?? 0
    : report.dropped;
}

/**
 * Measures one server under one protocol.
 *
 * @param kind Which server.
 * @param protocol What the clients speak.
 * @param options The run's options.
 * @param settings Address, port and policy for the server.
 * @returns The measurements.
 * @throws {Error} When the server does not start or the clients do not ramp.
 *
 * @example Measure Lifeline with 10 clients
 * ```ts ignore
 * import { measureServer } from "./_measure.ts";
 * const result = await measureServer("lifeline-node", "lifeline", options, {
 *   host: "127.0.0.1", port: 9100, intervalMs: 1000, timeoutMs: 5000,
 * });
 * console.log(result.rssPerConnectionKiB);
 * ```
 */
export async function measureServer(
  kind: ServerKind,
  protocol: LoadProtocol,
  options: HarnessOptions,
  settings: ServerSettings,
): Promise<ServerResult> {
  const spec = serverSpec(kind, protocol, settings);
  const ticksPerSecond = clockTicksPerSecond();
  const log = (text: string) =>
    console.error(`[bench] ${spec.label} / ${protocol}: ${text}`);
  log(`starting on port ${settings.port}`);
  const server = new ServerProcess(spec.argv, {
    timeoutLine: spec.timeoutLine,
    cwd: spec.cwd,
  });
  const watch = settings.watch ?? 0;
  const plan = options.scenario === undefined ? undefined : planPresence(
    options.scenario,
    { clients: options.clients, watch, steadyMs: options.steadyMs },
  );
  let load: LoadRun | undefined;
  let stall: Stall | undefined;
  try {
    await server.listening(settings.host, settings.port);
    await sleep(Math.min(1000, Math.max(300, options.settleMs)));
    const before = readMemory(server.pid);
    server.countFromNow();
    load = LoadRun.start({
      host: settings.host,
      port: settings.port,
      clients: options.clients,
      intervalMs: options.intervalMs,
      protocol,
      sources: options.sources,
      perProcess: options.perProcess,
      tickMs: options.clientTickMs,
      ...(options.pace ? { pace: true } : {}),
      rampTimeoutMs: 90_000,
      maxSeconds: Math.ceil(
        (120_000 + options.settleMs + options.steadyMs) / 1000,
      ),
      namePrefix: `b${kind.replaceAll("-", "")}-`,
      ...(plan === undefined ? {} : { presence: plan }),
    });
    const ramp = await withTimeout(load.ramped, 100_000, "ramping the clients");
    log(`ramped ${ramp.ready}/${options.clients} in ${ramp.ms} ms`);
    // Settle for at least one interval, so every client has sent heartbeats
    // and the "after the ramp" sample includes its read buffers.
    await sleep(Math.max(options.settleMs, options.intervalMs));
    const afterRamp = readMemory(server.pid);
    await load.measure();
    stall = options.stallServerMs === undefined
      ? undefined
      : stallProcess(server.child, options.steadyMs / 3, options.stallServerMs);
    const cpuStart = readCpuTicks(server.pid);
    const start = performance.now();
    const samples: [number, number][] = [];
    while (performance.now() - start < options.steadyMs) {
      await sleep(
        Math.min(1000, options.steadyMs - (performance.now() - start)),
      );
      samples.push([
        Math.round(performance.now() - start) / 1000,
        readMemory(server.pid).rssKiB,
      ]);
    }
    const cpuEnd = readCpuTicks(server.pid);
    const seconds = (performance.now() - start) / 1000;
    const end = readMemory(server.pid);
    const report = await load.report();
    const falseTimeouts = spec.timeoutLine === null
      ? timeoutsSeenByClients(report, protocol)
      : server.timeouts;
    const cpuSeconds = (cpuEnd - cpuStart) / ticksPerSecond;
    const connections = report.connections;
    const presence = plan === undefined || report.presence === undefined
      ? undefined
      : checkPresence(plan, report.presence, {
        suspectAfterMs: options.suspectAfterMs,
        tickMs: options.tickMs ?? defaultTick(options.timeoutMs),
      });
    const result: ServerResult = {
      kind,
      ...(spec.revision === undefined ? {} : { revision: spec.revision }),
      label: spec.label,
      protocol,
      ...(watch > 0 ? { watch } : {}),
      ...(settings.arrivals === "uniform"
        ? { arrivals: "uniform" as const }
        : {}),
      batches: summariseBatches(report.batches),
      clients: options.clients,
      connections,
      failed: report.failed,
      dropped: report.dropped,
      heartbeatsPerSecond: report.heartbeatsPerSecond,
      rssBeforeKiB: before.rssKiB,
      rssAfterRampKiB: afterRamp.rssKiB,
      rssEndKiB: end.rssKiB,
      peakKiB: end.peakKiB,
      rssPerConnectionKiB: connections > 0
        ? (end.rssKiB - before.rssKiB) / connections
        : 0,
      rssCreep: afterRamp.rssKiB > 0 ? end.rssKiB / afterRamp.rssKiB : 0,
      cpuPercent: (cpuSeconds / seconds) * 100,
      cpuMicrosPerHeartbeat: report.heartbeats > 0
        ? (cpuSeconds / report.heartbeats) * 1e6
        : 0,
      rtt: report.rtt,
      worstPerSecond: report.worstPerSecond,
      late: report.late,
      falseTimeouts,
      ...(spec.timeoutLine === null
        ? { falseTimeoutsFrom: "clients" as const }
        : {}),
      rampMs: ramp.ms,
      steadySeconds: seconds,
      samples,
      errors: report.errors,
      frames: report.frames,
      ...(presence === undefined ? {} : { presence }),
    };
    if (settings.inspectPort && options.heapSnapshotDir) {
      await Deno.mkdir(options.heapSnapshotDir, { recursive: true });
      const name = `${kind}${spec.revision ? `@${spec.revision}` : ""}`;
      const path =
        `${options.heapSnapshotDir}/${name}-${protocol}-n${connections}.heapsnapshot`;
      result.heap = await takeHeapSnapshot(settings.inspectPort, path);
      log(`heap snapshot in ${path}`);
    }
    log(
      `${connections} conns, ${
        result.rssPerConnectionKiB.toFixed(2)
      } KiB/conn, ` +
        `CPU ${result.cpuPercent.toFixed(1)}%, p99 ${
          report.rtt.p99.toFixed(2)
        } ms, drops ${report.dropped}, false timeouts ${falseTimeouts}, frames ${
          JSON.stringify(report.frames)
        }, errors ${JSON.stringify(report.errors)}`,
    );
    if (presence !== undefined) log(presenceLine(presence));
    await load.close();
    load = undefined;
    return result;
  } finally {
    stall?.cancel();
    if (load) await load.kill();
    await server.stop();
  }
}

function presenceLine(p: PresenceResult): string {
  const l = p.latency;
  const ms = (s: { p50: number; p99: number; max: number }) =>
    `${s.p50.toFixed(1)}/${s.p99.toFixed(1)}/${s.max.toFixed(1)}`;
  return `killed ${p.kills.done}/${p.kills.planned}, frozen ${p.freezes.done}/${p.freezes.planned}` +
    (p.watch === 0
      ? ""
      : `; offline exactly once ${p.offline.exactlyOnce}/${p.offline.expected}, suspect then online ${p.suspectOnline.exactlyOnce}/${p.suspectOnline.expected}, unwatched ${p.unwatched}, unexpected ${p.unexpected}, spurious ${
        JSON.stringify(p.spurious)
      }; ms p50/p99/max offline ${ms(l.offline)}, suspect ${
        ms(l.suspect)
      } (tick ${p.tickMs}), online ${ms(l.online)}`) +
    `; longest healthy silence ${p.healthyMaxGapMs.toFixed(0)} ms${
      p.examples.length > 0 ? `; e.g. ${p.examples.join("; ")}` : ""
    }`;
}
