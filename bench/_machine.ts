/**
 * What a report records about the machine and the tools: CPU, cores,
 * memory, kernel, load average, and the version of a program.
 *
 * @module
 */

/** The machine a run measured on. */
export interface MachineInfo {
  /** The CPU's model name. */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** The kernel release. */
  kernel: string;
  /** Total memory, MiB. */
  memoryMiB: number;
}

/**
 * Reads the machine's CPU model, cores, kernel and memory.
 *
 * @returns The machine.
 *
 * @example
 * ```ts
 * import { machine } from "./_machine.ts";
 * console.log((await machine()).cores > 0); // true
 * ```
 */
export async function machine(): Promise<MachineInfo> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  return {
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown",
    cores: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
    memoryMiB: Math.round(
      Number(meminfo.match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0) / 1024,
    ),
  };
}

/**
 * The 1, 5 and 15 minute load averages.
 *
 * @returns Them as `/proc/loadavg` has them, or `"unknown"`.
 *
 * @example
 * ```ts
 * import { loadavg } from "./_machine.ts";
 * console.log(loadavg().split(" ").length); // 3
 * ```
 */
export function loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(
      " ",
    );
  } catch {
    return "unknown";
  }
}

/**
 * What a command prints, trimmed, such as a tool's version.
 *
 * @param command The program.
 * @param args Its arguments.
 * @returns Its stdout, or `"not installed"` when it cannot run.
 *
 * @example
 * ```ts
 * import { commandOutput } from "./_machine.ts";
 * console.log(await commandOutput("echo", ["hi"])); // "hi"
 * ```
 */
export async function commandOutput(
  command: string,
  args: string[],
): Promise<string> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "piped" })
      .output();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "not installed";
  }
}
