/**
 * The process metrics every Prometheus user expects
 * (`process_resident_memory_bytes`, `process_cpu_seconds_total`,
 * `process_open_fds`, `process_max_fds`, `process_start_time_seconds`),
 * read from `/proc/self` when scraped, as the Go and Node.js clients do.
 * Where there is no `/proc` (macOS), the runtime's own figures stand in and
 * the descriptor counts are left out.
 *
 * @module
 */

import { cpuUsage } from "node:process";
import type { MetricsRegistry } from "./metrics_registry.ts";

/** Linux's `USER_HZ`: the unit of `/proc/<pid>/stat` times (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_SECOND = 100;

/** What {@link readProcessStats} finds out about this process. */
export interface ProcessStats {
  /** Resident memory, in bytes. */
  residentMemoryBytes: number;
  /** User plus system CPU time, in seconds. */
  cpuSeconds: number;
  /** When the process started, in seconds since the Unix epoch. */
  startTimeSeconds: number;
  /** Open file descriptors, where `/proc` tells. */
  openFds?: number;
  /** The soft limit on open file descriptors, where `/proc` tells. */
  maxFds?: number;
}

/** Options for {@link readProcessStats}. */
export interface ReadProcessStatsOptions {
  /**
   * The proc file system's mount point (a test may point it at a copy).
   * @default {"/proc"}
   */
  procDir?: string;
}

/**
 * Reads this process's memory, CPU time, start time and descriptors from
 * `/proc/self` (`stat`, `status`, `fd/`, `limits`; the boot time from
 * `/proc/stat`), or from the runtime where there is no `/proc`.
 *
 * @param options Where `/proc` is.
 * @returns The figures.
 *
 * @example
 * ```ts
 * import { readProcessStats } from "@lifeline/lifeline/admin";
 * const stats = await readProcessStats();
 * console.log(stats.residentMemoryBytes > 0, stats.startTimeSeconds <= Date.now() / 1000); // true true
 * ```
 */
export async function readProcessStats(
  options: ReadProcessStatsOptions = {},
): Promise<ProcessStats> {
  const proc = options.procDir ?? "/proc";
  let stat: string;
  try {
    stat = await Deno.readTextFile(`${proc}/self/stat`);
  } catch {
    return runtimeStats();
  }
  // Field 2 (the command) is in parentheses and may hold spaces: the
  // fields counted below start after its closing parenthesis, at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(fields[n - 3]);
  const cpuSeconds = (field(14) + field(15)) / CLOCK_TICKS_PER_SECOND;
  const [status, procStat, limits, fds] = await Promise.all([
    Deno.readTextFile(`${proc}/self/status`),
    Deno.readTextFile(`${proc}/stat`),
    Deno.readTextFile(`${proc}/self/limits`).catch(() => ""),
    countEntries(`${proc}/self/fd`),
  ]);
  const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  const bootTime = Number(/^btime\s+(\d+)/m.exec(procStat)?.[1] ?? NaN);
  const maxFds = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  const result: ProcessStats = {
    residentMemoryBytes: Number.isFinite(rssKb)
      ? rssKb * 1024
      : Deno.memoryUsage().rss,
    cpuSeconds,
    startTimeSeconds: bootTime + field(22) / CLOCK_TICKS_PER_SECOND,
  };
  if (fds !== undefined) result.openFds = fds;
  if (maxFds !== undefined) result.maxFds = Number(maxFds);
  return result;
}

/**
 * Registers the process metrics; each scrape reads `/proc/self` once.
 *
 * @param registry The registry to add them to.
 * @param options Where `/proc` is.
 * @returns The registry.
 *
 * @example
 * ```ts
 * import { MetricsRegistry, registerProcessMetrics } from "@lifeline/lifeline/admin";
 * const registry = registerProcessMetrics(new MetricsRegistry());
 * const text = await registry.render();
 * console.log(/^process_resident_memory_bytes \d+$/m.test(text)); // true
 * ```
 */
export function registerProcessMetrics(
  registry: MetricsRegistry,
  options: ReadProcessStatsOptions = {},
): MetricsRegistry {
  let stats: ProcessStats | undefined;
  const read = (pick: (s: ProcessStats) => number | undefined) => () => {
    const value = stats === undefined ? undefined : pick(stats);
    return value === undefined ? [] : value;
  };
  return registry
    .beforeCollect(async () => {
      stats = await readProcessStats(options);
    })
    .counter({
      name: "process_cpu_seconds_total",
      help: "Total user and system CPU time spent in seconds.",
      collect: read((s) => s.cpuSeconds),
    })
    .gauge({
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes.",
      collect: read((s) => s.residentMemoryBytes),
    })
    .gauge({
      name: "process_start_time_seconds",
      help: "Start time of the process since unix epoch in seconds.",
      collect: read((s) => s.startTimeSeconds),
    })
    .gauge({
      name: "process_open_fds",
      help: "Number of open file descriptors.",
      collect: read((s) => s.openFds),
    })
    .gauge({
      name: "process_max_fds",
      help: "Maximum number of open file descriptors.",
      collect: read((s) => s.maxFds),
    });
}

async function countEntries(dir: string): Promise<number | undefined> {
  try {
    // Linux 6.2 and later report the number of open descriptors as the
    // size of /proc/<pid>/fd: no listing of thousands of entries per scrape.
    const { size } = await Deno.stat(dir);
    if (size > 0) return size;
    let count = 0;
    for (const _ of Deno.readDirSync(dir)) count++;
    // Reading the directory holds one descriptor of its own.
    return Math.max(0, count - 1);
  } catch {
    return undefined;
  }
}

function runtimeStats(): ProcessStats {
  const cpu = cpuUsage();
  return {
    residentMemoryBytes: Deno.memoryUsage().rss,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startTimeSeconds: performance.timeOrigin / 1000,
  };
}
