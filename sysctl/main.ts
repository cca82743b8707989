/**
 * The sysctl CLI: `deno task sysctl <show|plan|diff|check|apply|restore>`.
 * See `docs/sysctl.md` and `deno task sysctl --help`.
 *
 * Exit codes: 0 ok (nothing to change, no drift), 1 `diff` found changes,
 * 2 usage error, 3 `check` found drift, 4 not root, 5 the operation failed
 * (after a rollback).
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../common/duration.ts";
import { ApplyError, applyKeepalive } from "./apply.ts";
import { restoreKeepalive } from "./restore.ts";
import { STATE_FILES } from "./apply.ts";
import {
  driftLines,
  formatChanges,
  formatPlan,
  formatReport,
} from "./_format.ts";
import { type KeepaliveSettings, validateKeepalive } from "./keepalive.ts";
import {
  type ChangeScope,
  inspectKeepalive,
  type ManagerOptions,
  planChanges,
} from "./manager.ts";
import { planKeepalive } from "./plan.ts";
import { networkNamespace, readRuntime } from "./runtime.ts";
import { keepaliveWarnings, namespaceWarning } from "./warnings.ts";

/** Exit codes of the CLI. */
const EXIT = {
  ok: 0,
  changes: 1,
  usage: 2,
  drift: 3,
  notRoot: 4,
  failed: 5,
} as const;

class UsageError extends Error {}

const COMMON_HELP = `Common options:
  --root DIR     Prefix every configuration path with DIR (default /)
  --file PATH    The file to manage, under the root (default /etc/sysctl.conf),
                 e.g. /etc/sysctl.d/60-keepalive.conf
  --proc DIR     Where procfs is mounted (default /proc); for tests
  -h, --help     Show help`;

const DESIRED_HELP =
  `Desired values (give some of --time/--intvl/--probes, or --detect-within):
  --time S             net.ipv4.tcp_keepalive_time, 1-32767 seconds
  --intvl S            net.ipv4.tcp_keepalive_intvl, 1-32767 seconds
  --probes N           net.ipv4.tcp_keepalive_probes, 1-127
  --detect-within D    Plan all three so a dead peer is noticed within D
                       (e.g. 2m, 90s); --probes fixes the probe count
  --no-runtime         Only the file
  --runtime-only       Only the kernel values (this network namespace)`;

const HELP: Record<string, string> = {
  main: `Manage the kernel's TCP keepalive settings safely.

Usage: deno task sysctl <command> [options]

Commands:
  show       Runtime and boot values, the file and line that set them, the
             worst-case detection time and warnings
  plan       Propose values that notice a dead peer within a duration
  diff       Show what apply would change (exit 1 when something would)
  check      Exit 0 when file and runtime match, 3 when either drifts
  apply      Write the file and set the kernel values (root; --dry-run for anyone)
  restore    Put back what the last apply changed (root)

Exit codes: 0 ok, 1 diff has changes, 2 usage error, 3 drift, 4 not root,
5 failed (everything written was rolled back).

Run "deno task sysctl <command> --help" for a command's options.`,
  show:
    `Usage: deno task sysctl show [--json] [--root DIR] [--file PATH] [--proc DIR]

Shows net.ipv4.tcp_keepalive_{time,intvl,probes}: the value the kernel uses
now in this network namespace, the value each boot loader (procps
"sysctl --system" and systemd-sysctl) sets and the file and line it comes
from, the worst-case time to notice a dead peer, and warnings.

  --json         Print the report as JSON

${COMMON_HELP}`,
  plan: `Usage: deno task sysctl plan --detect-within D [--probes N] [--json]

Proposes time, intvl and probes whose worst case (time + probes × intvl)
fits within D, and explains the trade-off in one line. Warns about values
that NAT outlives, slow detection, and a network namespace (a container)
still on the kernel defaults.

  --detect-within D   The longest acceptable time to notice a dead peer (2m, 90s)
  --probes N          Fix the number of probes (1-127; default 3)
  --json              Print the plan as JSON
  --proc DIR          Where procfs is mounted (default /proc); for tests
  -h, --help          Show help`,
  diff: `Usage: deno task sysctl diff <desired values> [options]

Prints a unified diff of the file change and a table of the kernel values
that would change. Exit 0 when nothing would change, 1 when something would.

${DESIRED_HELP}

${COMMON_HELP}`,
  check: `Usage: deno task sysctl check <desired values> [options]

Exit 0 when the file and the runtime values match, 3 when either drifts,
printing what drifts. For cron and CI.

${DESIRED_HELP}

${COMMON_HELP}`,
  apply: `Usage: deno task sysctl apply <desired values> [--dry-run] [options]

As root: locks, backs up the file and the kernel values, writes the file
atomically (through symlinks, keeping mode and owner), sets the kernel
values and reads them back. On any failure both are put back and the error
says what happened (exit 5).

  --dry-run      Print what diff prints; write nothing (any user)

${DESIRED_HELP}

${COMMON_HELP}`,
  restore: `Usage: deno task sysctl restore [--dry-run] [options]

As root: puts back the file and the kernel values saved by the last apply
(kept in ${STATE_FILES.backup} under the root).

  --dry-run      Print what would change; write nothing
  --no-runtime   Only the file
  --runtime-only Only the kernel values

${COMMON_HELP}`,
};

const COMMON_OPTIONS = {
  root: { type: "string" },
  file: { type: "string" },
  proc: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const DESIRED_OPTIONS = {
  time: { type: "string" },
  intvl: { type: "string" },
  probes: { type: "string" },
  "detect-within": { type: "string" },
  "no-runtime": { type: "boolean" },
  "runtime-only": { type: "boolean" },
} as const;

const OPTIONS = {
  show: { ...COMMON_OPTIONS, json: { type: "boolean" } },
  plan: {
    "detect-within": { type: "string" },
    probes: { type: "string" },
    json: { type: "boolean" },
    proc: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  diff: { ...COMMON_OPTIONS, ...DESIRED_OPTIONS },
  check: { ...COMMON_OPTIONS, ...DESIRED_OPTIONS },
  apply: {
    ...COMMON_OPTIONS,
    ...DESIRED_OPTIONS,
    "dry-run": { type: "boolean" },
  },
  restore: {
    ...COMMON_OPTIONS,
    "dry-run": { type: "boolean" },
    "no-runtime": { type: "boolean" },
    "runtime-only": { type: "boolean" },
  },
} as const;

type Command = keyof typeof OPTIONS;
type Values = Record<string, string | boolean | undefined>;

/** Where output goes; tests pass their own. */
interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  uid: () => number | null;
}

function managerOptions(values: Values): ManagerOptions {
  const options: ManagerOptions = {};
  if (typeof values.root === "string") options.root = values.root;
  if (typeof values.file === "string") {
    if (!values.file.startsWith("/")) {
      throw new UsageError(
        `Invalid --file "${values.file}": expected an absolute path such as /etc/sysctl.d/60-keepalive.conf`,
      );
    }
    options.file = values.file;
  }
  if (typeof values.proc === "string") options.procDir = values.proc;
  return options;
}

function budgetSeconds(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return ms / 1000;
}

function planFrom(values: Values) {
  const probes = values.probes === undefined
    ? undefined
    : validateKeepalive({ probes: values.probes as string }).probes;
  return planKeepalive(budgetSeconds(values["detect-within"] as string), {
    probes,
  });
}

function desiredFrom(
  values: Values,
  command: string,
): Partial<KeepaliveSettings> {
  if (values["detect-within"] !== undefined) {
    if (values.time !== undefined || values.intvl !== undefined) {
      throw new UsageError(
        `--detect-within cannot be combined with --time or --intvl`,
      );
    }
    return planFrom(values).settings;
  }
  if (
    values.time === undefined && values.intvl === undefined &&
    values.probes === undefined
  ) {
    throw new UsageError(
      `${command} needs desired values: --time, --intvl, --probes or --detect-within`,
    );
  }
  return validateKeepalive({
    time: values.time as string | undefined,
    intvl: values.intvl as string | undefined,
    probes: values.probes as string | undefined,
  });
}

function scopeFrom(values: Values): ChangeScope {
  if (values["no-runtime"] && values["runtime-only"]) {
    throw new UsageError(`--no-runtime and --runtime-only exclude each other`);
  }
  if (values["no-runtime"]) return "file";
  if (values["runtime-only"]) return "runtime";
  return "both";
}

function waiting(options: ManagerOptions): string {
  return `sysctl: waiting for another apply or restore to finish (lock ${
    join(options.root ?? "/", STATE_FILES.lock)
  })`;
}

function printWarnings(warnings: string[], io: Io) {
  for (const warning of warnings) io.err(`warning: ${warning}`);
}

async function run(command: Command, values: Values, io: Io): Promise<number> {
  if (command === "plan") {
    if (values["detect-within"] === undefined) {
      throw new UsageError(
        `plan needs --detect-within, e.g. --detect-within 2m`,
      );
    }
    const plan = planFrom(values);
    const warnings = keepaliveWarnings(plan.settings, { where: "plan" });
    // Values planned in a container are no use if they only reach the host.
    const runtimeOptions = managerOptions(values);
    const runtime = await readRuntime(runtimeOptions).catch(() => undefined);
    if (runtime !== undefined) {
      const warning = namespaceWarning(
        runtime,
        await networkNamespace(runtimeOptions),
      );
      if (warning !== undefined) warnings.push(warning);
    }
    io.out(
      values.json
        ? JSON.stringify({ ...plan, warnings }, null, 2)
        : formatPlan(plan, warnings),
    );
    return EXIT.ok;
  }
  const options = managerOptions(values);
  if (command === "show") {
    const report = await inspectKeepalive(options);
    io.out(
      values.json
        ? JSON.stringify(report, (_, value) => value ?? null, 2)
        : formatReport(report),
    );
    return EXIT.ok;
  }
  const scope = scopeFrom(values);
  const namespace = await networkNamespace(options);
  if (command === "restore") {
    if (!values["dry-run"] && io.uid() !== 0) {
      io.err(
        `sysctl restore: must run as root (uid 0), running as uid ${io.uid()}; --dry-run shows what it would do`,
      );
      return EXIT.notRoot;
    }
    const dryRun = values["dry-run"] === true;
    const changes = await restoreKeepalive({
      ...options,
      scope,
      dryRun,
      onLockWait: () => io.err(waiting(options)),
    });
    io.out(formatChanges(changes, scope, namespace));
    io.out(
      !changes.changed
        ? "Nothing to restore"
        : dryRun
        ? "Dry run: nothing was written"
        : "Restored",
    );
    return EXIT.ok;
  }
  const desired = desiredFrom(values, command);
  if (command === "apply" && !values["dry-run"] && io.uid() !== 0) {
    io.err(
      `sysctl apply: must run as root (uid 0), running as uid ${io.uid()}; --dry-run shows what it would do`,
    );
    return EXIT.notRoot;
  }
  if (command === "apply" && !values["dry-run"]) {
    const changes = await applyKeepalive(desired, {
      ...options,
      scope,
      onLockWait: () => io.err(waiting(options)),
    });
    io.out(formatChanges(changes, scope, namespace));
    printWarnings(changes.warnings, io);
    if (!changes.changed) {
      io.out("Nothing to change");
      return EXIT.ok;
    }
    const done: string[] = [];
    if (changes.patch !== "") {
      done.push(
        `wrote ${changes.path}${
          changes.realPath !== changes.path ? ` (${changes.realPath})` : ""
        }; previous content in ${STATE_FILES.backup}`,
      );
    }
    if (changes.runtime.length > 0) {
      done.push(
        `set ${
          changes.runtime.map((c) => `${c.key}=${c.desired}`).join(", ")
        } and read them back`,
      );
    }
    io.out(`Applied: ${done.join("; ")}`);
    return EXIT.ok;
  }
  const changes = await planChanges(desired, { ...options, scope });
  if (command === "check") {
    const drift = driftLines(changes, desired, scope);
    printWarnings(changes.warnings, io);
    if (drift.length === 0) {
      io.out(
        scope === "file"
          ? `OK: ${changes.path} matches`
          : scope === "runtime"
          ? "OK: runtime values match"
          : `OK: ${changes.path} and runtime values match`,
      );
      return EXIT.ok;
    }
    for (const line of drift) io.out(`drift: ${line}`);
    return EXIT.drift;
  }
  io.out(formatChanges(changes, scope, namespace));
  printWarnings(changes.warnings, io);
  if (command === "apply") {
    io.out("Dry run: nothing was written");
    return EXIT.ok;
  }
  return changes.changed ? EXIT.changes : EXIT.ok;
}

/** Runs the CLI with the given arguments and returns the exit code. */
async function main(
  args: string[],
  io: Io = {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
    uid: () => Deno.uid(),
  },
): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) {
    io.err(
      `sysctl: missing command; expected show, plan, diff, check, apply or restore (see --help)`,
    );
    return EXIT.usage;
  }
  if (command === "--help" || command === "-h") {
    io.out(HELP.main);
    return EXIT.ok;
  }
  if (!(command in OPTIONS)) {
    io.err(
      `sysctl: unknown command "${command}"; expected show, plan, diff, check, apply or restore`,
    );
    return EXIT.usage;
  }
  const name = command as Command;
  try {
    let values: Values;
    try {
      values = parseArgs({
        args: rest,
        options: OPTIONS[name],
        strict: true,
        allowPositionals: false,
      }).values as Values;
    } catch (error) {
      throw new UsageError((error as Error).message.split("\n")[0]);
    }
    if (values.help) {
      io.out(HELP[name]);
      return EXIT.ok;
    }
    return await run(name, values, io);
  } catch (error) {
    if (
      error instanceof UsageError || error instanceof RangeError ||
      (error instanceof TypeError && /^Invalid /.test(error.message))
    ) {
      io.err(`sysctl ${name}: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof ApplyError) {
      io.err(`sysctl ${name}: ${error.message}`);
      return EXIT.failed;
    }
    io.err(`sysctl ${name}: ${(error as Error).message}`);
    return EXIT.failed;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
