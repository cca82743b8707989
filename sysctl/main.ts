/**
 * The sysctl CLI: `deno task sysctl <show|plan|diff|check|apply|restore>`.
 * Each command is a file of its own in `sysctl/cli/`; this one picks it.
 * See `docs/sysctl.md` and `deno task sysctl --help`.
 *
 * Exit codes: 0 ok (nothing to change, no drift), 1 `diff` found changes,
 * 2 usage error, 3 `check` found drift, 4 not root, 5 the operation failed
 * (after a rollback).
 *
 * @module
 */

import { runCli, UsageError } from "../common/cli.ts";
import { applyCommand } from "./cli/apply.ts";
import { checkCommand } from "./cli/check.ts";
import {
  EXIT,
  type Io,
  PROCESS_IO,
  runCommand,
  type SysctlCommand,
} from "./cli/command.ts";
import { diffCommand } from "./cli/diff.ts";
import { planCommand } from "./cli/plan.ts";
import { restoreCommand } from "./cli/restore.ts";
import { showCommand } from "./cli/show.ts";

const COMMANDS: ReadonlyMap<string, SysctlCommand> = new Map(
  [
    showCommand,
    planCommand,
    diffCommand,
    checkCommand,
    applyCommand,
    restoreCommand,
  ].map((command) => [command.name, command]),
);

const EXPECTED = "expected show, plan, diff, check, apply or restore";

const HELP = `Manage the kernel's TCP keepalive settings safely.

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

Run "deno task sysctl <command> --help" for a command's options.`;

/**
 * Runs the CLI with the given arguments and returns the exit code.
 *
 * @param args The command and its arguments.
 * @param io Where the output goes.
 * @returns The exit code.
 * @throws {UsageError} For a missing or unknown command.
 */
async function main(args: string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    throw new UsageError(`missing command; ${EXPECTED}`);
  }
  if (name === "--help" || name === "-h") {
    io.out(HELP);
    return EXIT.ok;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    throw new UsageError(`unknown command "${name}"; ${EXPECTED}`);
  }
  return await runCli(
    `sysctl ${name}`,
    (commandArgs) => runCommand(command, commandArgs, io),
    rest,
  );
}

if (import.meta.main) {
  Deno.exit(
    await runCli("sysctl", (args) => main(args, PROCESS_IO), Deno.args),
  );
}
