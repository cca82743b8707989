/**
 * Command-line flags shared by the baseline servers: `--host`, `--port`,
 * `--timeout` and `--scan` (durations with units). A bad command line gets
 * one line on stderr and exit code 2, as with every command line of the
 * repository, but without `common/cli.ts`: that module loads zod, and a
 * baseline must not have zod in memory (zod alone moves the bare `node:net`
 * floor, see `bare_node_server.ts --with-zod` and `bench/RESULTS.md`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseDuration } from "../../common/duration.ts";

/** The flags of a baseline server. */
export interface BaselineArgs {
  /** Address to listen on. */
  host: string;
  /** Port to listen on (0 picks one). */
  port: number;
  /** Milliseconds without a heartbeat before a client is dropped. */
  timeoutMs: number;
  /** Milliseconds between two full scans of the table. */
  scanMs: number;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new SyntaxError(`--${flag}: ${(error as Error).message}`);
  }
}

/**
 * Parses a baseline server's flags; exits with code 2 on bad usage.
 *
 * @param args The command-line arguments.
 * @returns The parsed flags.
 *
 * @example
 * ```ts
 * import { parseBaselineArgs } from "./_args.ts";
 * console.log(parseBaselineArgs(["--port", "9100"]).port); // 9100
 * ```
 */
export function parseBaselineArgs(args: string[]): BaselineArgs {
  try {
    const { values } = parseArgs({
      args,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "9100" },
        timeout: { type: "string", default: "30s" },
        scan: { type: "string", default: "10s" },
      },
      strict: true,
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(
        `--port: Cannot use "${values.port}": expected an integer from 0 to 65535`,
      );
    }
    return {
      host: values.host,
      port,
      timeoutMs: duration("timeout", values.timeout),
      scanMs: duration("scan", values.scan),
    };
  } catch (error) {
    console.error((error as Error).message.split("\n")[0]);
    Deno.exit(2);
  }
}

/**
 * Exits with code 0 on SIGTERM or SIGINT (the harness stops servers so).
 *
 * @example
 * ```ts ignore
 * import { exitOnSignal } from "./_args.ts";
 * exitOnSignal();
 * ```
 */
export function exitOnSignal(): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(signal, () => Deno.exit(0));
  }
}
