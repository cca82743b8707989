/**
 * Measures Lifeline as a cluster: `server/main.ts --workers N --reuse-port
 * --cluster` on a Redis of its own, with the load's clients spread over
 * the workers by the kernel. In one run, in this order:
 *
 * 1. the ramp (Redis commands per connect);
 * 2. the steady window: every worker's CPU and RSS from `/proc`, drops and
 *    false timeouts, and the Redis commands it cost (per heartbeat: none
 *    expected; the nodes' own timers make the rest, counted against their
 *    schedule);
 * 3. the churn: churners close and reopen at a steady rate of presence
 *    changes, each watched from other nodes (latency across nodes);
 * 4. the kill: one worker SIGKILLed with its clients, each watched from the
 *    other nodes; some of them notice only after the timeout, as clients of
 *    a server that died without a word do; the others come back at once with
 *    the client's backoff (the reconnect curve against its prediction);
 * 5. the load leaves (Redis commands per disconnect).
 *
 * Which worker holds which client is read from the kernel
 * (`_socket_owners.ts`) after the steady window, after the churn and after
 * the kill.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ArrivalLoad, Arrivals } from "./_arrivals.ts";
import { type BatchSummary, summariseBatches } from "./_batches.ts";
import {
  checkChurn,
  checkLoss,
  type ChurnResult,
  type LossResult,
  type ReconnectBin,
  reconnectCurve,
} from "./_cluster_check.ts";
import { type NodeMap, nodeMap, planChurn, planLoss } from "./_cluster_plan.ts";
import { ClusterProcess } from "./_cluster_process.ts";
import type { ClusterScenario, HarnessOptions } from "./_harness_args.ts";
import { type LoadReport, LoadRun } from "./_load_run.ts";
import { wallNow } from "./_load_presence.ts";
import { clockTicksPerSecond, readCpuTicks, readMemory } from "./_proc.ts";
import {
  type CommandCounts,
  commandsBetween,
  RedisServer,
} from "./_redis_server.ts";
import { socketOwners } from "./_socket_owners.ts";
import { defaultTick } from "../server/options.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Where the cluster runs and how its load arrives. */
export interface ClusterSettings {
  /** The address the workers listen on. */
  host: string;
  /** Their port. */
  port: number;
  /** Redis's port on 127.0.0.1. */
  redisPort: number;
  /** How the heartbeats arrive. */
  arrivals: Arrivals;
  /** The load's tick and clients per process for that mode. */
  load: ArrivalLoad;
}

/** What one phase cost in Redis. */
export interface RedisPhase {
  /** The phase. */
  phase: string;
  /** What happened in it, counted: connects, heartbeats, watched names. */
  events: number;
  /** What an event is, for the report ("connect", "heartbeat"). */
  event: string;
  /** Seconds it lasted. */
  seconds: number;
  /** Commands by the servers in it (scripts' inner commands included). */
  total: number;
  /** Of those, script calls (`evalsha`, `eval`): round trips. */
  scripts: number;
  /** Commands by name. */
  calls: CommandCounts;
  /**
   * What the nodes' timers (liveness refresh, dead-node check) make in that
   * time, at the steady window's rate.
   */
  timers: number;
  /** (total − timers) ÷ events. */
  perEvent: number;
}

/** The steady window's Redis commands, against the nodes' timers. */
export interface SteadyCommands {
  /** Commands in the window, by name. */
  calls: CommandCounts;
  /** Their sum. */
  total: number;
  /**
   * What the timers make in the window by their schedule: per node, one
   * `SMEMBERS` and an `EXISTS` per other node every check (the tick), and
   * a refresh (`EVALSHA`, with a `GET` and a `PEXPIRE` inside) every third
   * of the TTL; ± one of each per node at the window's edges.
   */
  expected: {
    smembers: number;
    exists: number;
    refresh: number;
    slack: number;
  };
  /** Commands the schedule does not explain: from heartbeats, if anything. */
  unexplained: number;
  /** `unexplained` ÷ heartbeats. */
  perHeartbeat: number;
}

/** What the harness measured of the cluster. */
export interface ClusterResult {
  /** The name in reports. */
  label: string;
  /** How the heartbeats arrived. */
  arrivals: Arrivals;
  /** Which round. */
  round?: number;
  /** Workers. */
  workers: number;
  /** Clients asked for. */
  clients: number;
  /** Clients connected at the end of the steady window. */
  connections: number;
  /** Milliseconds until every client was connected. */
  rampMs: number;
  /** Connection attempts that failed in the ramp. */
  failed: number;
  /** Connections the servers closed up to the end of the steady window. */
  dropped: number;
  /** `timeout` events in the steady window. */
  falseTimeouts: number;
  /** `timeout` events from the end of the window to the end of the run. */
  laterTimeouts: number;
  /** Heartbeats per second in the steady window. */
  heartbeatsPerSecond: number;
  /** Seconds of the steady window. */
  steadySeconds: number;
  /** The workers' CPU over the window, % of one core: the sum and each. */
  cpuPercent: number;
  /** See {@link ClusterResult.cpuPercent}. */
  cpuPerWorker: number[];
  /** The workers' CPU per heartbeat, µs. */
  cpuMicrosPerHeartbeat: number;
  /** Redis's CPU over the window, %. */
  redisCpuPercent: number;
  /** The supervisor's CPU over the window, %. */
  supervisorCpuPercent: number;
  /** Each worker's RSS before any client, KiB. */
  rssIdleKiB: number[];
  /** Each worker's RSS at the end of the window, KiB. */
  rssEndKiB: number[];
  /** Clients on each worker at the end of the window. */
  clientsPerWorker: number[];
  /** (Σ end − Σ idle) ÷ connections, KiB. */
  rssPerConnectionKiB: number;
  /** Pong round trips in the window, ms. */
  rtt: LoadReport["rtt"];
  /** How bunched the heartbeats were. */
  batches: BatchSummary;
  /** Redis commands per phase. */
  redis: RedisPhase[];
  /** The steady window's Redis commands against the timers' schedule. */
  steadyCommands: SteadyCommands;
  /** The churn's verdict, if it ran. */
  churn?: ChurnResult;
  /** The kill's verdict. */
  loss?: LossResult & { worker: number; restartedAfterMs: number | null };
  /** The victims' reconnects after the kill, per 100 ms. */
  reconnects?: ReconnectBin[];
  /**
   * The steady window's `timeout` events, by the worker that held the
   * client just before the window (0: not known), with a few examples.
   */
  timeoutsByWorker: Record<string, number>;
  /** A few of the window's `timeout` events, as read. */
  timeoutExamples: string[];
  /** Why the killed worker's clients were refused after the kill: reason → attempts. */
  refusals: Record<string, number>;
  /** The supervisor's `worker` events after the kill, ms after it. */
  workerEventsAfterKill: string[];
  /** `cluster` events logged (lost Redis, fenced), as logged. */
  clusterEvents: string[];
  /** Log lines the workers dropped. */
  logDropped: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Commands by the servers: the harness's own (`INFO`, `PING`) left out. */
function serverCommands(
  before: CommandCounts,
  after: CommandCounts,
): { total: number; calls: CommandCounts } {
  const { calls } = commandsBetween(before, after);
  delete calls.info;
  delete calls.ping;
  const total = Object.values(calls).reduce((n, c) => n + c, 0);
  return { total, calls };
}

function scriptCalls(calls: CommandCounts): number {
  return (calls.evalsha ?? 0) + (calls.eval ?? 0);
}

/**
 * Reads the steady window's commands against the timers' schedule.
 *
 * @param calls The window's commands by name.
 * @param options Nodes, the window, the check period (tick), the TTL, and
 * the heartbeats.
 * @returns The comparison.
 *
 * @example Six nodes, 60 s, tick 1 s, TTL 10 s: the timers alone
 * ```ts
 * import { steadyCommands } from "./_cluster_measure.ts";
 * const calls = { smembers: 360, exists: 1800, evalsha: 108, get: 108, pexpire: 108 };
 * const s = steadyCommands(calls, { nodes: 6, seconds: 60, tickMs: 1000, nodeTtlMs: 10_000, heartbeats: 1_200_000 });
 * console.log(s.unexplained, s.perHeartbeat); // 0 0
 * ```
 */
export function steadyCommands(
  calls: CommandCounts,
  options: {
    nodes: number;
    seconds: number;
    tickMs: number;
    nodeTtlMs: number;
    heartbeats: number;
  },
): SteadyCommands {
  const { nodes, seconds } = options;
  const checks = (seconds * 1000) / options.tickMs;
  const refreshes = (seconds * 1000) /
    Math.max(100, Math.floor(options.nodeTtlMs / 3));
  const expected = {
    smembers: Math.round(nodes * checks),
    exists: Math.round(nodes * (nodes - 1) * checks),
    refresh: Math.round(nodes * refreshes),
    slack: nodes,
  };
  const total = Object.values(calls).reduce((n, c) => n + c, 0);
  // Each kind may be off by one per node at each edge of the window.
  const over = (measured: number, planned: number, per: number) =>
    Math.max(0, measured - planned - 2 * nodes * per);
  const refresh = scriptCalls(calls);
  const explainedKinds = new Set([
    "smembers",
    "exists",
    "evalsha",
    "get",
    "pexpire",
  ]);
  let unexplained = over(calls.smembers ?? 0, expected.smembers, 1) +
    over(calls.exists ?? 0, expected.exists, nodes - 1) +
    over(refresh, expected.refresh, 1) +
    over(calls.get ?? 0, expected.refresh, 1) +
    over(calls.pexpire ?? 0, expected.refresh, 1);
  for (const [name, count] of Object.entries(calls)) {
    if (!explainedKinds.has(name)) unexplained += count;
  }
  return {
    calls,
    total,
    expected,
    unexplained,
    perHeartbeat: options.heartbeats > 0 ? unexplained / options.heartbeats : 0,
  };
}

/**
 * Measures the cluster once.
 *
 * @param options The run's options (with `cluster`).
 * @param settings Where it runs and how the load arrives.
 * @returns The measurements.
 * @throws {Error} When the cluster does not start or the clients do not ramp.
 */
export async function measureCluster(
  options: HarnessOptions,
  settings: ClusterSettings,
): Promise<ClusterResult> {
  const scenario = options.cluster as ClusterScenario;
  const workers = scenario.workers;
  const label = `Lifeline (node), ${workers} workers${
    settings.arrivals === "uniform" ? ", uniform arrivals" : ""
  }`;
  const log = (text: string) => console.error(`[bench] ${label}: ${text}`);
  const tickMs = options.tickMs ?? defaultTick(options.timeoutMs);
  const ticksPerSecond = clockTicksPerSecond();
  const redis = await RedisServer.start(settings.redisPort);
  let cluster: ClusterProcess | undefined;
  let load: LoadRun | undefined;
  try {
    log(
      `Redis on ${settings.redisPort}, starting ${workers} workers on ${settings.port}`,
    );
    cluster = await ClusterProcess.start(`${ROOT}server/main.ts`, {
      host: settings.host,
      port: settings.port,
      workers,
      redisUrl: redis.url,
      nodeIdBase: "bench",
      flags: [
        "--interval",
        `${options.serverIntervalMs}ms`,
        "--timeout",
        `${options.timeoutMs}ms`,
        "--tick",
        `${tickMs}ms`,
        "--node-ttl",
        `${scenario.nodeTtlMs}ms`,
        ...(options.suspectAfterGiven
          ? ["--suspect-after", `${options.suspectAfterMs}ms`]
          : []),
      ],
    });
    await sleep(1000);
    const pids = cluster.pids;
    const workerIds = [...pids.keys()].sort((a, b) => a - b);
    const rssIdleKiB = workerIds.map((w) => readMemory(pids.get(w)!).rssKiB);
    const stats: CommandCounts[] = [await redis.commandStats()];
    const phases: RedisPhase[] = [];
    let mark = performance.now();
    const phase = async (
      name: string,
      event: string,
      events: number,
    ): Promise<void> => {
      const now = await redis.commandStats();
      const seconds = (performance.now() - mark) / 1000;
      mark = performance.now();
      const { total, calls } = serverCommands(stats[stats.length - 1], now);
      stats.push(now);
      phases.push({
        phase: name,
        event,
        events,
        seconds,
        total,
        scripts: scriptCalls(calls),
        calls,
        timers: 0,
        perEvent: 0,
      });
    };
    load = LoadRun.start({
      host: settings.host,
      port: settings.port,
      clients: options.clients,
      intervalMs: options.intervalMs,
      protocol: "lifeline",
      sources: options.sources,
      perProcess: settings.load.perProcess,
      tickMs: settings.load.tickMs,
      pace: settings.load.pace,
      rampTimeoutMs: 240_000,
      maxSeconds: 1200,
      namePrefix: "c",
      cluster: true,
    });
    const ramp = await load.ramped;
    log(`ramped ${ramp.ready}/${options.clients} in ${ramp.ms} ms`);
    // The claims of the last welcomes are still on their way.
    await sleep(1000);
    await phase("ramp", "connect", ramp.ready);
    await sleep(Math.max(options.settleMs, options.intervalMs));
    mark = performance.now();
    stats.push(await redis.commandStats());

    // Where each client is before the window, to place its timeouts.
    const sources = options.sources;
    const locate = async (): Promise<NodeMap> => {
      const ports = await load!.addresses();
      return nodeMap(
        ports,
        sources,
        socketOwners(cluster!.pids, settings.port),
      );
    };
    const nodes0 = await locate();
    mark = performance.now();
    stats.push(await redis.commandStats());

    // --- the steady window ---
    await load.measure();
    cluster.countFromNow();
    const cpuOf = (pid: number) => readCpuTicks(pid);
    const cpuStart = workerIds.map((w) => cpuOf(pids.get(w)!));
    const redisStart = cpuOf(redis.pid);
    const supervisorStart = cpuOf(cluster.child.pid);
    const start = performance.now();
    while (performance.now() - start < options.steadyMs) {
      await sleep(
        Math.min(1000, options.steadyMs - (performance.now() - start)),
      );
    }
    const cpuEnd = workerIds.map((w) => cpuOf(pids.get(w)!));
    const redisEnd = cpuOf(redis.pid);
    const supervisorEnd = cpuOf(cluster.child.pid);
    const seconds = (performance.now() - start) / 1000;
    const rssEndKiB = workerIds.map((w) => readMemory(pids.get(w)!).rssKiB);
    const report = await load.report();
    const falseTimeouts = cluster.timeouts;
    const timeoutsByWorker: Record<string, number> = {};
    const timeoutRecords = cluster.timeoutRecords;
    for (const t of timeoutRecords) {
      const id = t.name?.startsWith("c") ? Number(t.name.slice(1)) : NaN;
      const node = Number.isInteger(id) ? nodes0[id] ?? 0 : 0;
      timeoutsByWorker[node] = (timeoutsByWorker[node] ?? 0) + 1;
    }
    const timeoutExamples = timeoutRecords.slice(0, 5).map((t) =>
      `${
        t.name ?? "(no hello)"
      } from ${t.peer?.hostname}:${t.peer?.port} silent ${
        Math.round(t.silentMs)
      } ms`
    );
    cluster.countFromNow();
    await phase("steady window", "heartbeat", report.heartbeats);
    const steadyCalls = phases[phases.length - 1].calls;
    const percent = (ticks: number) => (ticks / ticksPerSecond / seconds) * 100;
    const cpuPerWorker = cpuEnd.map((t, i) => percent(t - cpuStart[i]));
    const cpuPercent = cpuPerWorker.reduce((a, b) => a + b, 0);
    const cpuSeconds = cpuEnd.reduce((n, t, i) => n + t - cpuStart[i], 0) /
      ticksPerSecond;
    log(
      `${report.connections} conns, CPU ${cpuPercent.toFixed(1)}% (${
        cpuPerWorker.map((c) => c.toFixed(1)).join(" + ")
      }), drops ${report.dropped}, false timeouts ${falseTimeouts}, p99 ${
        report.rtt.p99.toFixed(1)
      } ms`,
    );

    // --- where the clients are ---
    const nodes1 = await locate();
    const clientsPerWorker = workerIds.map((w) =>
      nodes1.reduce((n, node) => n + (node === w ? 1 : 0), 0)
    );
    log(`clients per worker: ${clientsPerWorker.join(", ")}`);
    const victim = workerIds[workerIds.length - 1];

    // --- the churn ---
    let churn: ChurnResult | undefined;
    let churners = new Set<number>();
    let churnPlan: ReturnType<typeof planChurn> | undefined;
    let churnWhen: Parameters<typeof checkChurn>[2] | undefined;
    if (scenario.churnPerSecond > 0) {
      const gapMs = 1000;
      const plan = planChurn(nodes1, {
        changesPerSecond: scenario.churnPerSecond,
        forMs: scenario.churnForMs,
        gapMs,
        watchers: scenario.watchers,
        avoidNode: victim,
      });
      churners = new Set(plan.churn.map(([id]) => id));
      const watched = await load.watch(plan.lists);
      await phase("watch", "watched name", watched.entries);
      log(
        `churn: ${plan.churn.length} churners, ${watched.entries} watch entries (${watched.missing} without a snapshot)`,
      );
      const startAt = wallNow();
      await load.churn(plan.churn);
      await sleep(scenario.churnForMs + gapMs + 2000);
      await phase("churn", "presence change", 2 * plan.churn.length);
      const nodes2 = await locate();
      churnPlan = plan;
      churnWhen = { startAt, forMs: scenario.churnForMs, nodesAfter: nodes2 };
      // The kill is planned from where the clients are now.
      nodes1.set(nodes2);
    }

    // --- the kill ---
    const lossPlan = planLoss(nodes1, victim, {
      watchers: scenario.watchers,
      silent: scenario.silent,
      exclude: churners,
    });
    const lossWatch = await load.watch(lossPlan.lists);
    await load.silence(lossPlan.silent, options.timeoutMs);
    await phase("watch", "watched name", lossWatch.entries);
    log(
      `kill: worker ${victim} holds ${lossPlan.victims.length} clients, ${lossWatch.entries} watch entries (${lossWatch.missing} without a snapshot), ${lossPlan.silent.length} silent`,
    );
    const boundMs = scenario.nodeTtlMs + tickMs;
    const killAt = cluster.kill(victim);
    const waitUntil = killAt + Math.max(
      boundMs + 2000,
      options.timeoutMs + 5000,
    );
    const giveUp = killAt + 60_000;
    for (;;) {
      await sleep(1000);
      const now = wallNow();
      const back = (await load.report()).connections;
      if (now >= giveUp || (now >= waitUntil && back >= ramp.ready)) break;
    }
    await phase(
      "kill and reconnects",
      "client of the killed worker",
      lossPlan.victims.length,
    );
    const nodes3 = await locate();
    const restarted = cluster.workerEvents.find((e) =>
      e.worker === victim && e.state === "started" && e.at > killAt
    );
    const clusterLog = await load.clusterReport();
    const refusals: Record<string, number> = {};
    const victimSet = new Set(lossPlan.victims);
    for (const [id, at, why] of clusterLog.refusals) {
      if (at >= killAt && victimSet.has(id)) {
        refusals[why] = (refusals[why] ?? 0) + 1;
      }
    }
    const workerEventsAfterKill = cluster.workerEvents.filter((e) =>
      e.at >= killAt
    ).map((e) =>
      `worker ${e.worker} ${e.state} at ${Math.round(e.at - killAt)} ms`
    );
    if (churnPlan !== undefined && churnWhen !== undefined) {
      churn = checkChurn(churnPlan, clusterLog, {
        ...churnWhen,
        endAt: killAt,
      });
      log(
        `churn: ${churn.exactlyOnce}/${churn.pairs} exactly once, offline p50/p99 ${
          churn.offline.p50.toFixed(1)
        }/${churn.offline.p99.toFixed(1)} ms, online ${
          churn.online.p50.toFixed(1)
        }/${churn.online.p99.toFixed(1)} ms, ${
          churn.changesPerSecond.toFixed(0)
        } changes/s`,
      );
    }
    const loss = checkLoss(lossPlan, clusterLog, {
      killAt,
      boundMs,
      nodesAfter: nodes3,
    });
    const reconnects = reconnectCurve(clusterLog, new Set(lossPlan.victims), {
      killAt,
      binMs: 100,
      horizonMs: 30_000,
    });
    log(
      `kill: back ${loss.back.clients}/${loss.victims} (max ${
        (loss.back.maxMs / 1000).toFixed(1)
      } s), node_lost p50/p99/max ${loss.nodeLost.p50.toFixed(0)}/${
        loss.nodeLost.p99.toFixed(0)
      }/${
        loss.nodeLost.max.toFixed(0)
      } ms (bound ${boundMs}), lost then online ${loss.lostThenOnline}, back first ${loss.backFirst}, missing ${loss.missing}, wrong ${loss.wrong}`,
    );
    const laterTimeouts = cluster.timeouts;

    // --- the load leaves ---
    await load.close();
    load = undefined;
    await sleep(2000);
    await phase("load leaves", "disconnect", report.connections);

    const steady = steadyCommands(steadyCalls, {
      nodes: workers,
      seconds,
      tickMs,
      nodeTtlMs: scenario.nodeTtlMs,
      heartbeats: report.heartbeats,
    });
    // The timers' share of each phase, at the steady window's rate.
    const timerRate = (steady.total - steady.unexplained) / seconds;
    for (const p of phases) {
      p.timers = p.phase === "steady window"
        ? steady.total - steady.unexplained
        : Math.round(timerRate * p.seconds);
      p.perEvent = p.events > 0
        ? Math.max(0, p.total - p.timers) / p.events
        : 0;
    }
    return {
      label,
      arrivals: settings.arrivals,
      workers,
      clients: options.clients,
      connections: report.connections,
      rampMs: ramp.ms,
      failed: ramp.failed,
      dropped: report.dropped,
      falseTimeouts,
      laterTimeouts,
      heartbeatsPerSecond: report.heartbeatsPerSecond,
      steadySeconds: seconds,
      cpuPercent,
      cpuPerWorker,
      cpuMicrosPerHeartbeat: report.heartbeats > 0
        ? (cpuSeconds / report.heartbeats) * 1e6
        : 0,
      redisCpuPercent: percent(redisEnd - redisStart),
      supervisorCpuPercent: percent(supervisorEnd - supervisorStart),
      rssIdleKiB,
      rssEndKiB,
      clientsPerWorker,
      rssPerConnectionKiB: report.connections > 0
        ? (rssEndKiB.reduce((a, b) => a + b, 0) -
          rssIdleKiB.reduce((a, b) => a + b, 0)) / report.connections
        : 0,
      rtt: report.rtt,
      batches: summariseBatches(report.batches),
      redis: phases,
      steadyCommands: steady,
      ...(churn === undefined ? {} : { churn }),
      loss: {
        ...loss,
        worker: victim,
        restartedAfterMs: restarted === undefined
          ? null
          : restarted.at - killAt,
      },
      reconnects,
      timeoutsByWorker,
      timeoutExamples,
      refusals,
      workerEventsAfterKill,
      clusterEvents: cluster.clusterEvents,
      logDropped: cluster.logDropped,
    };
  } finally {
    if (load) await load.kill();
    await cluster?.stop();
    await redis.stop();
  }
}
