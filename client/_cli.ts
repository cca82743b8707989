/**
 * Command-line flags of `client/main.ts`, parsed with `node:util` and
 * validated with zod.
 *
 * @module
 */

import { z } from "zod";
import {
  checkedFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import type { AdaptiveOptions } from "../liveness/adaptive_heartbeat.ts";
import { DEFAULT_HOSTNAME, DEFAULT_PORT } from "../protocol/defaults.ts";
import { isValidName, NAME_RULE } from "../protocol/frames.ts";
import type { ClientOptions } from "./options.ts";

/** The usage text printed by `--help`. */
export const USAGE: string = `Usage: deno task client -n NAME [options]

Connects to a Lifeline server, sends each stdin line as a message ("@A text"
goes to A only) and prints messages, presence changes, reconnects and errors,
one per line with a timestamp. Ctrl-C, SIGTERM or the end of stdin close it.

Options:
  -n, --name NAME            this client's name (required; 1-64 of A-Z a-z 0-9 _ - .)
      --host HOST            server host (default ${DEFAULT_HOSTNAME})
  -p, --port PORT            server port (default ${DEFAULT_PORT})
      --tls                  connect over TLS (the system's trusted authorities)
      --ca FILE              also trust this CA certificate (PEM); implies --tls
      --server-name NAME     the name the server's certificate must be valid
                             for (default: --host); implies --tls
      --json                 print one JSON object per line instead of text
  -v, --verbose              also print every pong and every adaptive result
      --no-stdin             ignore stdin: keep running when it ends
      --token JWT            prove the name to a server with --auth jwt
      --token-file FILE      read the token from FILE, and again before it
                             expires (LIFELINE_TOKEN in the environment works
                             too)
      --watch A,B            watch these clients' presence (online, suspect,
                             offline); "/watch NAME" and "/unwatch NAME" on
                             stdin change the list
      --connect-timeout DUR  limit on the TCP connect and on the wait for welcome (default 10s)
      --backoff-initial DUR  ceiling of the first reconnect delay (default 500ms)
      --backoff-max DUR      cap of the reconnect delay (default 30s)
      --adaptive             adaptive heartbeat interval (Mars smart heartbeat)
      --adaptive-min DUR     start interval (default 210s)
      --adaptive-max DUR     longest interval (default 10m)
      --adaptive-step DUR    growth after enough successes (default 60s)
      --adaptive-backoff DUR shrink after failures (default 80s)
      --adaptive-successes N successes in a row per step (default 5)
      --adaptive-failures N  failures in a row to back off (default 2)
  -h, --help                 show this help

Durations take a unit (250ms, 2s, 1m) or are bare milliseconds (2000).
Any --adaptive-* flag turns --adaptive on.`;

/** The parsed command line. */
export interface ClientCli {
  /** Print the usage and exit. */
  help: boolean;
  /** Print JSON lines. */
  json: boolean;
  /** Print pongs and every adaptive result too. */
  verbose: boolean;
  /** Do not read stdin. */
  noStdin: boolean;
  /** The names to watch. */
  watch: string[];
  /** Options for the client. */
  options: ClientOptions;
}

function duration(flag: string) {
  return durationFlag(flag, { bareMs: true });
}

function count(flag: string) {
  return integerFlag(flag, 1, 1_000_000);
}

const schema = z.object({
  help: z.boolean().optional(),
  json: z.boolean().optional(),
  verbose: z.boolean().optional(),
  "no-stdin": z.boolean().optional(),
  token: z.string().min(1, '--token: Cannot use "": expected a JWT').optional(),
  "token-file": z.string().min(
    1,
    '--token-file: Cannot use "": expected a file',
  )
    .optional(),
  watch: z.string().transform((text, ctx) => {
    const names = text.split(",").map((name) => name.trim()).filter((name) =>
      name !== ""
    );
    const bad = names.find((name) => !isValidName(name));
    if (bad !== undefined || names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `--watch: Cannot use ${
          JSON.stringify(bad ?? text)
        }: expected names separated by commas, each ${NAME_RULE}`,
      });
      return z.NEVER;
    }
    return names;
  }).optional(),
  name: checkedFlag("name", isValidName, NAME_RULE).optional(),
  host: z.string().min(1, '--host: Cannot use "": expected a host').optional(),
  port: integerFlag("port", 1, 65535).optional(),
  tls: z.boolean().optional(),
  ca: z.string().min(1, '--ca: Cannot use "": expected a file').optional(),
  "server-name": z.string().min(
    1,
    '--server-name: Cannot use "": expected a host name',
  ).optional(),
  "connect-timeout": duration("connect-timeout").optional(),
  "backoff-initial": duration("backoff-initial").optional(),
  "backoff-max": duration("backoff-max").optional(),
  adaptive: z.boolean().optional(),
  "adaptive-min": duration("adaptive-min").optional(),
  "adaptive-max": duration("adaptive-max").optional(),
  "adaptive-step": duration("adaptive-step").optional(),
  "adaptive-backoff": duration("adaptive-backoff").optional(),
  "adaptive-successes": count("adaptive-successes").optional(),
  "adaptive-failures": count("adaptive-failures").optional(),
});

function readCa(path: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new UsageError(
      `--ca: Cannot read "${path}": ${(error as Error).message}`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(
      `--ca: Cannot use "${path}": expected a PEM certificate ("-----BEGIN CERTIFICATE-----")`,
    );
  }
  return text;
}

/**
 * Parses the client's command line.
 *
 * @param args The arguments, without the program.
 * @param env Reads an environment variable (`LIFELINE_TOKEN`).
 * @returns The parsed flags.
 * @throws {UsageError} With one line for people when a flag is bad.
 */
export function parseClientArgs(
  args: string[],
  env: (name: string) => string | undefined = readEnv,
): ClientCli {
  const { values } = parseFlags(args, {
    help: { type: "boolean", short: "h" },
    json: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
    "no-stdin": { type: "boolean" },
    watch: { type: "string" },
    token: { type: "string" },
    "token-file": { type: "string" },
    name: { type: "string", short: "n" },
    host: { type: "string" },
    port: { type: "string", short: "p" },
    tls: { type: "boolean" },
    ca: { type: "string" },
    "server-name": { type: "string" },
    "connect-timeout": { type: "string" },
    "backoff-initial": { type: "string" },
    "backoff-max": { type: "string" },
    adaptive: { type: "boolean" },
    "adaptive-min": { type: "string" },
    "adaptive-max": { type: "string" },
    "adaptive-step": { type: "string" },
    "adaptive-backoff": { type: "string" },
    "adaptive-successes": { type: "string" },
    "adaptive-failures": { type: "string" },
  });
  const v = validateFlags(schema, values);
  if (v.help) {
    return {
      help: true,
      json: false,
      verbose: false,
      noStdin: false,
      watch: [],
      options: { name: "help" },
    };
  }
  if (v.name === undefined) {
    throw new UsageError(
      "Missing --name: every client needs a name, e.g. -n B",
    );
  }
  const adaptive: AdaptiveOptions = {
    ...(v["adaptive-min"] === undefined ? {} : { min: v["adaptive-min"] }),
    ...(v["adaptive-max"] === undefined ? {} : { max: v["adaptive-max"] }),
    ...(v["adaptive-step"] === undefined ? {} : { step: v["adaptive-step"] }),
    ...(v["adaptive-backoff"] === undefined
      ? {}
      : { backoff: v["adaptive-backoff"] }),
    ...(v["adaptive-successes"] === undefined
      ? {}
      : { successesToStep: v["adaptive-successes"] }),
    ...(v["adaptive-failures"] === undefined
      ? {}
      : { failuresToBackOff: v["adaptive-failures"] }),
  };
  const adaptiveOn = v.adaptive === true || Object.keys(adaptive).length > 0;
  const min = adaptive.min ?? 210_000;
  const max = adaptive.max ?? 600_000;
  if (adaptiveOn && max < min) {
    throw new UsageError(
      `--adaptive-max: Cannot use ${max}ms: it is below --adaptive-min ${min}ms`,
    );
  }
  if (v.token !== undefined && v["token-file"] !== undefined) {
    throw new UsageError("--token: Cannot use it with --token-file");
  }
  const tlsOn = v.tls === true || v.ca !== undefined ||
    v["server-name"] !== undefined;
  const options: ClientOptions = {
    ...tokenOptions(v.token, v["token-file"], env),
    ...(tlsOn
      ? {
        tls: {
          ...(v.ca === undefined ? {} : { caCerts: [readCa(v.ca)] }),
          ...(v["server-name"] === undefined
            ? {}
            : { serverName: v["server-name"] }),
        },
      }
      : {}),
    name: v.name,
    hostname: v.host ?? DEFAULT_HOSTNAME,
    port: v.port ?? DEFAULT_PORT,
    reconnect: {
      ...(v["backoff-initial"] === undefined
        ? {}
        : { initialDelay: v["backoff-initial"] }),
      ...(v["backoff-max"] === undefined ? {} : { maxDelay: v["backoff-max"] }),
    },
    ...(v["connect-timeout"] === undefined
      ? {}
      : { connectTimeout: v["connect-timeout"] }),
    ...(adaptiveOn ? { adaptive } : {}),
  };
  return {
    help: false,
    json: v.json === true,
    verbose: v.verbose === true,
    noStdin: v["no-stdin"] === true,
    watch: v.watch ?? [],
    options,
  };
}

/** The environment variable a token may come from. */
export const TOKEN_ENV = "LIFELINE_TOKEN";

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The token options: `--token`, `--token-file` (read again on renewal), or the environment. */
function tokenOptions(
  token: string | undefined,
  file: string | undefined,
  env: (name: string) => string | undefined,
): Pick<ClientOptions, "token" | "refreshToken"> {
  if (token !== undefined) return { token };
  if (file !== undefined) {
    let first: string;
    try {
      first = Deno.readTextFileSync(file).trim();
    } catch (error) {
      throw new UsageError(
        `--token-file: Cannot read ${JSON.stringify(file)}: ${
          (error as Error).message
        }`,
      );
    }
    if (first === "") {
      throw new UsageError(
        `--token-file: Cannot use ${JSON.stringify(file)}: it is empty`,
      );
    }
    const read = async () => {
      const text = (await Deno.readTextFile(file)).trim();
      if (text === "") throw new Error(`the token file ${file} is empty`);
      return text;
    };
    return { token: first, refreshToken: read };
  }
  const fromEnv = env(TOKEN_ENV);
  return fromEnv === undefined || fromEnv === "" ? {} : { token: fromEnv };
}
