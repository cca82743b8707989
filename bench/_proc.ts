/**
 * Reads a process's memory and CPU time from Linux's `/proc`.
 *
 * @module
 */

/** Memory of a process, in KiB. */
export interface MemorySample {
  /** Resident set size now (`VmRSS`). */
  rssKiB: number;
  /** The highest resident set size so far (`VmHWM`). */
  peakKiB: number;
}

/**
 * Reads `VmRSS` and `VmHWM` from `/proc/<pid>/status`.
 *
 * @param pid The process id.
 * @returns The sample.
 * @throws {Deno.errors.NotFound} When the process is gone.
 *
 * @example
 * ```ts
 * import { readMemory } from "./_proc.ts";
 * console.log(readMemory(Deno.pid).rssKiB > 0); // true
 * ```
 */
export function readMemory(pid: number): MemorySample {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return {
    rssKiB: field(status, "VmRSS"),
    peakKiB: field(status, "VmHWM"),
  };
}

/**
 * Reads the CPU time a process has used, user plus system, in clock ticks
 * (`utime` + `stime` from `/proc/<pid>/stat`).
 *
 * @param pid The process id.
 * @returns Clock ticks (see {@link clockTicksPerSecond}).
 *
 * @example
 * ```ts
 * import { readCpuTicks } from "./_proc.ts";
 * console.log(readCpuTicks(Deno.pid) >= 0); // true
 * ```
 */
export function readCpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name may contain spaces and parentheses: fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * The kernel's clock ticks per second (`getconf CLK_TCK`), 100 on Linux.
 *
 * @returns Ticks per second.
 *
 * @example
 * ```ts
 * import { clockTicksPerSecond } from "./_proc.ts";
 * console.log(clockTicksPerSecond()); // 100
 * ```
 */
export function clockTicksPerSecond(): number {
  try {
    const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
    const ticks = Number(new TextDecoder().decode(out.stdout).trim());
    if (Number.isInteger(ticks) && ticks > 0) return ticks;
  } catch { /* getconf missing */ }
  return 100;
}

function field(status: string, name: string): number {
  const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
  return match ? Number(match[1]) : 0;
}
