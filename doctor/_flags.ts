/**
 * The doctor's command line: its flags, their help, and what they turn
 * into. A flag that cannot be used is a `UsageError` (exit code 2).
 * Internal to `doctor/`.
 *
 * @module
 */

import { z } from "zod";
import {
  durationFlag,
  parseFlags,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { parsePathEntry, type PathEntry, PRESETS } from "./_presets.ts";
import type { ServerAddress } from "./_welcome.ts";

/** The help `--help` prints. */
export const HELP =
  `Usage: deno task doctor [--interval D --timeout D [--tick D] | --server HOST:PORT [--token JWT]
                         | --admin HOST:PORT [--admin-token T] | --no-heartbeat]
                         [--path PRESET|IDLE]... [--client-interval D]
                         [--rtt D] [--proc DIR] [--root DIR] [--host-ns PATH] [--json]

Checks every timeout on the path before deploying: for each failure mode
(peer process killed, peer host vanished, NAT/LB mapping expired, peer
process frozen) how long each mechanism (retransmissions with this
tcp_retries2, keepalive with these sysctls, Lifeline's heartbeat) takes to
notice, which notices first, and whether each one's traffic keeps the
path's idle timeouts alive; then the findings, each with its fix.

Server policy (default: the server's defaults, interval 5s, timeout 15s):
  --interval D         The server's --interval
  --timeout D          The server's --timeout
  --tick D             The server's --tick (default timeout/10, 10ms to 1s)
  --server HOST:PORT   Read interval and timeout from a running server's welcome
  --token JWT          With --server: a token for a server started with --auth jwt
                       (its sub is the name the doctor says hello with)
  --name NAME          With --server: the name to say hello with (default doctor-<random>)
  --admin HOST:PORT    Read the whole policy (tick and ping limit too) from a running
                       server's admin endpoint (deno task server --admin HOST:PORT)
  --admin-token T      With --admin: the endpoint's bearer token (--admin-token)
  --no-heartbeat       The application runs no heartbeat: check TCP alone

The path and the client:
  --path PRESET|IDLE   A middlebox on the way, repeatable: a preset, or an idle
                       timeout ("350s", "4m") with ":rst" when a late packet is
                       answered with a reset, ":close" when it closes both sides.
                       Presets: ${PRESETS.map((p) => p.id).join(", ")}
  --client-interval D  How often the client pings, when not at the server's interval
  --rtt D              The longest round trip (default 1s)

The kernel (values as the sysctl manager reads them):
  --proc DIR           Where procfs is mounted (default /proc)
  --root DIR           Where the boot configuration is (default /)
  --host-ns PATH       A network namespace file to compare this one with
                       (default: found through an ancestor process or pid 1)

  --json               Print the report as JSON
  -h, --help           Show help

Exit codes: 0 nothing defeats anything, 1 findings, 2 usage error (or a
--server or --admin that cannot be read).`;

const OPTIONS = {
  interval: { type: "string" },
  timeout: { type: "string" },
  tick: { type: "string" },
  server: { type: "string" },
  token: { type: "string" },
  name: { type: "string" },
  admin: { type: "string" },
  "admin-token": { type: "string" },
  "no-heartbeat": { type: "boolean" },
  path: { type: "string", multiple: true },
  "client-interval": { type: "string" },
  rtt: { type: "string" },
  proc: { type: "string" },
  root: { type: "string" },
  "host-ns": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const schema = z.object({
  interval: durationFlag("interval").optional(),
  timeout: durationFlag("timeout").optional(),
  tick: durationFlag("tick").optional(),
  "client-interval": durationFlag("client-interval").optional(),
  rtt: durationFlag("rtt", { min: 0 }).optional(),
});

/** What the command line asks for. */
export interface DoctorOptions {
  /** `--help`. */
  help: boolean;
  /** Where the policy comes from. */
  policy:
    | {
      from: "flags";
      intervalMs: number;
      timeoutMs: number;
      tickMs?: number;
      defaults: boolean;
    }
    | {
      from: "server";
      address: ServerAddress;
      token?: string;
      name?: string;
      tickMs?: number;
    }
    | { from: "admin"; address: ServerAddress; token?: string }
    | { from: "none" };
  /** The middleboxes on the way. */
  path: PathEntry[];
  /** `--client-interval`, in milliseconds. */
  clientIntervalMs?: number;
  /** `--rtt`, in milliseconds. */
  roundTripMs: number;
  /** `--proc`. */
  procDir?: string;
  /** `--root`. */
  root?: string;
  /** `--host-ns`. */
  hostNs?: string;
  /** `--json`. */
  json: boolean;
}

/**
 * Reads `HOST:PORT` (`[::1]:9090` for IPv6).
 *
 * @param text The address.
 * @returns The host and port.
 * @throws {UsageError} When it is not an address with a port.
 *
 * @example
 * ```ts
 * import { parseServerAddress } from "./_flags.ts";
 * console.log(parseServerAddress("127.0.0.1:9090")); // { hostname: "127.0.0.1", port: 9090 }
 * ```
 */
export function parseServerAddress(
  text: string,
  flag = "server",
): ServerAddress {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new UsageError(
      `--${flag}: Cannot use ${
        JSON.stringify(text)
      }: expected HOST:PORT such as "127.0.0.1:9090"`,
    );
  }
  return { hostname: match[1] ?? match[2], port };
}

function existingDirectory(flag: string, path: string): string {
  let isDirectory = false;
  try {
    isDirectory = Deno.statSync(path).isDirectory;
  } catch {
    // Missing: refused below.
  }
  if (!isDirectory) {
    throw new UsageError(
      `--${flag}: Cannot use ${
        JSON.stringify(path)
      }: expected an existing directory`,
    );
  }
  return path;
}

function excludes(
  values: Record<string, unknown>,
  flag: string,
  others: string[],
): void {
  const given = others.filter((other) => values[other] !== undefined);
  if (
    values[flag] !== undefined && values[flag] !== false && given.length > 0
  ) {
    throw new UsageError(
      `--${flag} cannot be combined with ${
        given.map((g) => `--${g}`).join(", ")
      }`,
    );
  }
}

/**
 * Parses and checks the doctor's command line.
 *
 * @param args The arguments.
 * @returns The options.
 * @throws {UsageError} For a flag that cannot be used.
 *
 * @example
 * ```ts
 * import { parseDoctorFlags } from "./_flags.ts";
 * const options = parseDoctorFlags(["--interval", "30s", "--timeout", "90s", "--path", "aws-nlb"]);
 * console.log(options.policy, options.path[0].idleMs); // { from: "flags", intervalMs: 30000, timeoutMs: 90000, defaults: false } 350000
 * ```
 */
export function parseDoctorFlags(args: string[]): DoctorOptions {
  const { values } = parseFlags(args, OPTIONS);
  const raw = values as Record<string, string | boolean | string[] | undefined>;
  excludes(raw, "server", ["interval", "timeout"]);
  excludes(raw, "admin", ["server", "interval", "timeout", "tick"]);
  excludes(raw, "no-heartbeat", [
    "server",
    "admin",
    "interval",
    "timeout",
    "tick",
    "client-interval",
  ]);
  for (const flag of ["token", "name"]) {
    if (raw[flag] !== undefined && raw.server === undefined) {
      throw new UsageError(`--${flag} needs --server`);
    }
  }
  if (raw["admin-token"] !== undefined && raw.admin === undefined) {
    throw new UsageError("--admin-token needs --admin");
  }
  const flags = validateFlags(schema, values);
  const paths = (raw.path as string[] | undefined) ?? [];
  const path = paths.map((text) => {
    try {
      return parsePathEntry(text);
    } catch (error) {
      throw new UsageError(`--path: ${(error as Error).message}`);
    }
  });
  let policy: DoctorOptions["policy"];
  if (raw["no-heartbeat"] === true) policy = { from: "none" };
  else if (typeof raw.admin === "string") {
    policy = {
      from: "admin",
      address: parseServerAddress(raw.admin, "admin"),
      ...(typeof raw["admin-token"] === "string"
        ? { token: raw["admin-token"] }
        : {}),
    };
  } else if (typeof raw.server === "string") {
    policy = {
      from: "server",
      address: parseServerAddress(raw.server),
      ...(typeof raw.token === "string" ? { token: raw.token } : {}),
      ...(typeof raw.name === "string" ? { name: raw.name } : {}),
      ...(flags.tick === undefined ? {} : { tickMs: flags.tick }),
    };
  } else {
    policy = {
      from: "flags",
      intervalMs: flags.interval ?? 5000,
      timeoutMs: flags.timeout ?? 15_000,
      ...(flags.tick === undefined ? {} : { tickMs: flags.tick }),
      defaults: flags.interval === undefined && flags.timeout === undefined,
    };
  }
  return {
    help: raw.help === true,
    policy,
    path,
    ...(flags["client-interval"] === undefined
      ? {}
      : { clientIntervalMs: flags["client-interval"] }),
    roundTripMs: flags.rtt ?? 1000,
    ...(typeof raw.proc === "string"
      ? { procDir: existingDirectory("proc", raw.proc) }
      : {}),
    ...(typeof raw.root === "string"
      ? { root: existingDirectory("root", raw.root) }
      : {}),
    ...(typeof raw["host-ns"] === "string" ? { hostNs: raw["host-ns"] } : {}),
    json: raw.json === true,
  };
}
