/**
 * The flags the sysctl commands share, their help text and what they turn
 * into: manager options, desired values, a plan, a scope. A flag that
 * cannot be used is a `UsageError`. Internal to `sysctl/cli/`.
 *
 * @module
 */

import { join } from "node:path";
import { UsageError } from "../../common/cli.ts";
import { parseDuration } from "../../common/duration.ts";
import { type KeepaliveSettings, validateKeepalive } from "../keepalive.ts";
import { planChanges } from "../manager.ts";
import { type KeepalivePlan, planKeepalive } from "../plan.ts";
import { STATE_FILES } from "../state.ts";
import type { ChangeScope, ChangeSet, ManagerOptions } from "../types.ts";
import type { Flags, Io } from "./command.ts";

/** `--root`, `--file`, `--proc` and `--help`. */
export const COMMON_OPTIONS = {
  root: { type: "string" },
  file: { type: "string" },
  proc: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The desired values and the scope of `diff`, `check` and `apply`. */
export const DESIRED_OPTIONS = {
  time: { type: "string" },
  intvl: { type: "string" },
  probes: { type: "string" },
  "detect-within": { type: "string" },
  "no-runtime": { type: "boolean" },
  "runtime-only": { type: "boolean" },
} as const;

/** The help of {@link COMMON_OPTIONS}. */
export const COMMON_HELP = `Common options:
  --root DIR     Prefix every configuration path with DIR (default /)
  --file PATH    The file to manage, under the root (default /etc/sysctl.conf),
                 e.g. /etc/sysctl.d/60-keepalive.conf
  --proc DIR     Where procfs is mounted (default /proc); for tests
  -h, --help     Show help`;

/** The help of {@link DESIRED_OPTIONS}. */
export const DESIRED_HELP =
  `Desired values (give some of --time/--intvl/--probes, or --detect-within):
  --time S             net.ipv4.tcp_keepalive_time, 1-32767 seconds
  --intvl S            net.ipv4.tcp_keepalive_intvl, 1-32767 seconds
  --probes N           net.ipv4.tcp_keepalive_probes, 1-127
  --detect-within D    Plan all three so a dead peer is noticed within D
                       (e.g. 2m, 90s); --probes fixes the probe count
  --no-runtime         Only the file
  --runtime-only       Only the kernel values (this network namespace)`;

/** A library call's `RangeError` or `SyntaxError` about a flag, as a `UsageError`. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RangeError || error instanceof SyntaxError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** `--root`, `--file` and `--proc` as the manager takes them. */
export function managerOptions(flags: Flags): ManagerOptions {
  const options: ManagerOptions = {};
  if (typeof flags.root === "string") {
    let isDirectory = false;
    try {
      isDirectory = Deno.statSync(flags.root).isDirectory;
    } catch {
      // Missing: refused below, like a file.
    }
    if (!isDirectory) {
      throw new UsageError(
        `--root: Cannot use "${flags.root}": expected an existing directory`,
      );
    }
    options.root = flags.root;
  }
  if (typeof flags.file === "string") {
    if (!flags.file.startsWith("/")) {
      throw new UsageError(
        `Invalid --file "${flags.file}": expected an absolute path such as /etc/sysctl.d/60-keepalive.conf`,
      );
    }
    options.file = flags.file;
  }
  if (typeof flags.proc === "string") options.procDir = flags.proc;
  return options;
}

/** The plan for `--detect-within` (and `--probes`). */
export function planFrom(flags: Flags): KeepalivePlan {
  return asUsage(() => {
    const probes = flags.probes === undefined
      ? undefined
      : validateKeepalive({ probes: flags.probes as string }).probes;
    const budget = parseDuration(flags["detect-within"] as string) / 1000;
    return planKeepalive(budget, { probes });
  });
}

/** The desired values: from `--detect-within`, or `--time`/`--intvl`/`--probes`. */
export function desiredFrom(
  flags: Flags,
  command: string,
): Partial<KeepaliveSettings> {
  if (flags["detect-within"] !== undefined) {
    if (flags.time !== undefined || flags.intvl !== undefined) {
      throw new UsageError(
        `--detect-within cannot be combined with --time or --intvl`,
      );
    }
    return planFrom(flags).settings;
  }
  if (
    flags.time === undefined && flags.intvl === undefined &&
    flags.probes === undefined
  ) {
    throw new UsageError(
      `${command} needs desired values: --time, --intvl, --probes or --detect-within`,
    );
  }
  return asUsage(() =>
    validateKeepalive({
      time: flags.time as string | undefined,
      intvl: flags.intvl as string | undefined,
      probes: flags.probes as string | undefined,
    })
  );
}

/** `--no-runtime` and `--runtime-only` as a scope. */
export function scopeFrom(flags: Flags): ChangeScope {
  if (flags["no-runtime"] && flags["runtime-only"]) {
    throw new UsageError(`--no-runtime and --runtime-only exclude each other`);
  }
  if (flags["no-runtime"]) return "file";
  if (flags["runtime-only"]) return "runtime";
  return "both";
}

/** The notice printed while another apply or restore holds the lock. */
export function lockWaitNotice(options: ManagerOptions): string {
  return `sysctl: waiting for another apply or restore to finish (lock ${
    join(options.root ?? "/", STATE_FILES.lock)
  })`;
}

/** Prints each warning on stderr. */
export function printWarnings(warnings: string[], io: Io): void {
  for (const warning of warnings) io.err(`warning: ${warning}`);
}

/** The refusal of `apply` and `restore` for anyone but root. */
export function notRootMessage(command: string, uid: number | null): string {
  return `sysctl ${command}: must run as root (uid 0), running as uid ${uid}; --dry-run shows what it would do`;
}

/** What a command that compares with desired values works from. */
export interface Comparison {
  /** `--root`, `--file` and `--proc`. */
  options: ManagerOptions;
  /** `--no-runtime` or `--runtime-only`. */
  scope: ChangeScope;
  /** The desired values. */
  desired: Partial<KeepaliveSettings>;
  /** What setting them would change. */
  changes: ChangeSet;
}

/** The desired values of `diff`, `check` or `apply --dry-run` and what they would change. */
export async function compareWithFlags(
  flags: Flags,
  command: string,
): Promise<Comparison> {
  const options = managerOptions(flags);
  const scope = scopeFrom(flags);
  const desired = desiredFrom(flags, command);
  const changes = await planChanges(desired, { ...options, scope });
  return { options, scope, desired, changes };
}
