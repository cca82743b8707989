/**
 * What every sysctl command is (its name, help, flags and work) and how one
 * runs: flags parsed by `common/cli.ts`, `--help`, and any failure that is
 * not a usage error turned into one line and exit code 5.
 *
 * @module
 */

import type { ParseArgsOptionsConfig } from "node:util";
import { EXIT_USAGE, parseFlags, UsageError } from "../../common/cli.ts";

/**
 * The exit codes of the sysctl CLI.
 *
 * @example
 * ```ts
 * import { EXIT } from "./command.ts";
 * console.log(EXIT.drift); // 3
 * ```
 */
export const EXIT = {
  ok: 0,
  changes: 1,
  usage: EXIT_USAGE,
  drift: 3,
  notRoot: 4,
  failed: 5,
} as const;

/** Where a command's output goes and who runs it; tests pass their own. */
export interface Io {
  /** Writes a line (or lines) to stdout. */
  out: (text: string) => void;
  /** Writes a line (or lines) to stderr. */
  err: (text: string) => void;
  /** The user id, or `null` where there is none. */
  uid: () => number | null;
}

/**
 * The process's own stdout, stderr and user id.
 *
 * @example
 * ```ts
 * import { PROCESS_IO } from "./command.ts";
 * PROCESS_IO.out("to stdout");
 * ```
 */
export const PROCESS_IO: Io = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  uid: () => Deno.uid(),
};

/** The flags of a command after parsing. */
export type Flags = Record<string, string | boolean | undefined>;

/** One command of the sysctl CLI. */
export interface SysctlCommand {
  /** The word that selects it: `show`, `plan`, … */
  name: string;
  /** The text `--help` prints. */
  help: string;
  /** Its flags, as `node:util`'s `parseArgs` takes them (`--help` included). */
  options: ParseArgsOptionsConfig;
  /**
   * Does the work and returns the exit code; throws a `UsageError` for a
   * command line that cannot be used.
   */
  run: (flags: Flags, io: Io) => Promise<number>;
}

/**
 * Runs a command with its arguments: parses the flags (a bad one is a
 * `UsageError`), prints the help for `--help`, and reports any other
 * failure as `sysctl <command>: message` with exit code 5.
 *
 * @param command The command.
 * @param args The arguments after the command's name.
 * @param io Where the output goes.
 * @returns The exit code.
 * @throws {UsageError} For flags that cannot be used.
 *
 * @example
 * ```ts
 * import { EXIT, runCommand } from "./command.ts";
 * const hello = {
 *   name: "hello",
 *   help: "Usage: hello",
 *   options: { help: { type: "boolean", short: "h" } } as const,
 *   run: () => Promise.resolve(EXIT.ok),
 * };
 * const lines: string[] = [];
 * const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t), uid: () => 0 };
 * console.log(await runCommand(hello, ["--help"], io), lines); // 0 [ "Usage: hello" ]
 * ```
 */
export async function runCommand(
  command: SysctlCommand,
  args: string[],
  io: Io,
): Promise<number> {
  const { values } = parseFlags(args, command.options);
  if (values.help) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(values, io);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`sysctl ${command.name}: ${(error as Error).message}`);
    return EXIT.failed;
  }
}
