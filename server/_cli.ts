/**
 * Parses and validates the server's command line.
 *
 * @module
 */

import { z } from "zod";
import {
  byteSizeFlag,
  choiceFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { formatDuration } from "../common/duration.ts";
import { DEFAULT_HOSTNAME, DEFAULT_PORT } from "../protocol/defaults.ts";
import type { LogFormat } from "./_log.ts";
import { defaultTick, type ResolvedServerOptions } from "./options.ts";

/** The usage text printed by `--help`. */
export const USAGE: string = `Usage: deno run -A server/main.ts [options]

Lifeline heartbeat server: newline-delimited JSON over TCP (and the Go
tcp-heartbeat client's frames). Drops a silent client within timeout + tick.

Options:
  --host <address>         Address to listen on (default ${DEFAULT_HOSTNAME})
  --port <port>            Port to listen on, 0 for any free one (default ${DEFAULT_PORT})
  --interval <duration>    Ping interval told to clients (default 5s)
  --timeout <duration>     Silence before a client is dropped (default 15s)
  --tick <duration>        Sweep period (default timeout/10, 10ms to 1s)
  --max-frame <size>       Longest frame: bytes, or with k/KiB/m/MiB (default 64KiB)
  --max-connections <n>    Refuse more clients with bye server_full (default:
                           the open-file limit less 64)
  --transport <deno|node>  Socket layer: Deno.listen or node:net (default node)
  --tls-cert <file>        Serve TLS with this certificate (PEM, with any
                           intermediates); needs --tls-key. SIGHUP reads both
                           files again: new connections get the new
                           certificate, open ones keep theirs
  --tls-key <file>         The certificate's private key (PEM)
  --suspect-after <duration>
                           Silence after which watchers are told a client is
                           suspect (default 1.5 x interval)
  --presence-grace <duration>
                           After an abrupt end, tell watchers suspect and wait
                           this long for the name to come back before offline
                           (default 0: offline at once)
  --max-watches <n>        Names one connection may watch (default 10000)
  --log-format <text|json> Log lines for people (text, the default) or one
                           JSON object per line for programs (json: the
                           stable interface, see docs/server.md)
  --log-buffer <size>      Log text kept while stdout is slow; lines past it
                           are dropped and counted (default 1MiB)
  --verbose                Also log every heartbeat
  --help                   Show this help

Durations take units: 250ms, 5s, 1m, 1m30s.`;

/** What the command line asks for. */
export interface ServerCli extends
  Pick<
    ResolvedServerOptions,
    | "hostname"
    | "port"
    | "interval"
    | "timeout"
    | "tick"
    | "maxFrameBytes"
    | "presenceGrace"
    | "maxWatches"
  > {
  /** Silence before a watched client is suspect, when given. */
  suspectAfter?: number;
  /** Whether `--help` was given. */
  help: boolean;
  /** Whether to log heartbeats. */
  verbose: boolean;
  /** The connection limit, if given. */
  maxConnections?: number;
  /** The transport. */
  transport: "deno" | "node";
  /** The log's format. */
  logFormat: LogFormat;
  /** The log text kept while stdout is slow. */
  logBufferBytes: number;
  /** The TLS certificate and key files, when serving TLS. */
  tls?: { certFile: string; keyFile: string };
}

const schema = z.object({
  help: z.boolean(),
  verbose: z.boolean(),
  host: z.string().trim().min(1, '--host: Cannot use "": expected an address'),
  port: integerFlag("port", 0, 65535),
  interval: durationFlag("interval"),
  timeout: durationFlag("timeout"),
  tick: durationFlag("tick").optional(),
  "max-frame": byteSizeFlag("max-frame", 16, 64 * 1048576),
  "max-connections": integerFlag("max-connections", 1, 10_000_000).optional(),
  "suspect-after": durationFlag("suspect-after").optional(),
  "presence-grace": durationFlag("presence-grace", { min: 0 }),
  "max-watches": integerFlag("max-watches", 1, 10_000_000),
  "log-format": choiceFlag("log-format", ["text", "json"]),
  "log-buffer": byteSizeFlag("log-buffer", 4096, 1024 * 1048576),
  transport: choiceFlag("transport", ["deno", "node"]),
  "tls-cert": z.string().min(1, '--tls-cert: Cannot use "": expected a file')
    .optional(),
  "tls-key": z.string().min(1, '--tls-key: Cannot use "": expected a file')
    .optional(),
});

/**
 * Parses the server's arguments.
 *
 * @param args The arguments after the script name.
 * @returns The settings.
 * @throws {UsageError} With a one-line message for a bad command line.
 */
export function parseServerArgs(args: string[]): ServerCli {
  const { values } = parseFlags(args, {
    help: { type: "boolean", short: "h", default: false },
    verbose: { type: "boolean", short: "v", default: false },
    host: { type: "string", default: DEFAULT_HOSTNAME },
    port: { type: "string", default: String(DEFAULT_PORT) },
    interval: { type: "string", default: "5s" },
    timeout: { type: "string", default: "15s" },
    tick: { type: "string" },
    "max-frame": { type: "string", default: "64KiB" },
    "max-connections": { type: "string" },
    transport: { type: "string", default: "node" },
    "suspect-after": { type: "string" },
    "presence-grace": { type: "string", default: "0ms" },
    "max-watches": { type: "string", default: "10000" },
    "log-format": { type: "string", default: "text" },
    "log-buffer": { type: "string", default: "1MiB" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
  });
  const v = validateFlags(schema, values);
  if (v.interval >= v.timeout) {
    throw new UsageError(
      `--interval: Cannot use ${formatDuration(v.interval)} with --timeout ${
        formatDuration(v.timeout)
      }: the interval must be shorter than the timeout`,
    );
  }
  const certFile = v["tls-cert"];
  const keyFile = v["tls-key"];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const [given, missing] = certFile === undefined
      ? ["--tls-key", "--tls-cert"]
      : ["--tls-cert", "--tls-key"];
    throw new UsageError(
      `${given}: Cannot serve TLS without ${missing}: expected both files`,
    );
  }
  if (certFile !== undefined && v.transport === "deno") {
    throw new UsageError(
      `--transport: Cannot serve TLS on "deno": TLS runs on node:tls (leave --transport out, or use node)`,
    );
  }
  return {
    ...(certFile === undefined || keyFile === undefined
      ? {}
      : { tls: { certFile, keyFile } }),
    help: v.help,
    verbose: v.verbose,
    hostname: v.host,
    port: v.port,
    interval: v.interval,
    timeout: v.timeout,
    tick: v.tick ?? defaultTick(v.timeout),
    maxFrameBytes: v["max-frame"],
    maxConnections: v["max-connections"],
    transport: v.transport,
    ...(v["suspect-after"] === undefined
      ? {}
      : { suspectAfter: v["suspect-after"] }),
    presenceGrace: v["presence-grace"],
    maxWatches: v["max-watches"],
    logFormat: v["log-format"],
    logBufferBytes: v["log-buffer"],
  };
}
