/**
 * Runs the repository's command lines as subprocesses, the way users do.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The repository root, with a trailing slash. */
export const REPO: string = fileURLToPath(new URL("../../", import.meta.url));

/** What a finished subprocess printed and returned. */
export interface RunResult {
  /** The exit code. */
  code: number;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Everything it wrote to stderr. */
  stderr: string;
}

/** Options of {@link runDeno}. */
export interface RunOptions {
  /** A command to run Deno under, such as `["setpriv", "--reuid=65534", "--"]`. */
  prefix?: string[];
  /** Flags for `deno run` before `-A`, such as `--cached-only`. */
  denoFlags?: string[];
  /** Extra environment variables (`NO_COLOR=1` is always set). */
  env?: Record<string, string>;
  /** The working directory. @default {REPO} */
  cwd?: string;
  /** Text for stdin; without it stdin is closed. */
  stdin?: string;
}

/**
 * Runs `deno run -A SCRIPT ...args` to the end and collects its output.
 *
 * @param script A path relative to the repository root, such as
 * `"server/main.ts"`.
 * @param args The arguments.
 * @param options Prefix, flags, environment, directory and stdin.
 * @returns The exit code and output.
 */
export async function runDeno(
  script: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const deno = [
    "run",
    ...options.denoFlags ?? [],
    "-A",
    script.startsWith("/") ? script : `${REPO}${script}`,
    ...args,
  ];
  const [program, ...rest] = options.prefix
    ? [...options.prefix, Deno.execPath(), ...deno]
    : [Deno.execPath(), ...deno];
  const child = new Deno.Command(program, {
    args: rest,
    cwd: options.cwd ?? REPO,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
