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
import { parseRedisUrl } from "../cluster/redis/url.ts";
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
  --auth jwt               Require hello {name, token}: a JWT whose sub is the
                           name (see docs/security.md)
  --auth-key <file>        The HMAC secret, PEM public key, certificate or
                           JWKS that verifies the tokens
  --allow-go-unauthenticated
                           With --auth, still accept Go-format clients (they
                           cannot carry a token: anyone may take their names)
  --msg-rate <n>           Messages a client may send per second (default
                           100; 0 turns the limit off)
  --msg-burst <n>          Messages at once before the rate applies (default
                           twice --msg-rate)
  --msg-byte-rate <size>   Bytes of messages a client may send per second
                           (default 256KiB, burst twice that but at most half
                           the write limit; 0 turns it off)
  --max-per-ip <n>         Connections one source address may hold (default 0:
                           no limit, as a carrier NAT hides many users)
  --connect-rate <n>       New connections per second per source address
                           (default 0: no limit)
  --log-format <text|json> Log lines for people (text, the default) or one
                           JSON object per line for programs (json: the
                           stable interface, see docs/server.md)
  --cluster <url>          Join a cluster through Redis: redis://HOST:PORT[/DB]
                           (off by default: a single process needs no Redis)
  --node-id <id>           This node's id in the cluster (default: host name
                           and pid)
  --node-ttl <duration>    A node that has not refreshed its liveness in Redis
                           for this long is dead (default 10s)
  --reuse-port             Share the port with other processes (SO_REUSEPORT;
                           node transport)
  --workers <n>            Run n server processes on the port, each a cluster
                           node (needs --cluster and a port); restarts one that
                           dies; SIGTERM and SIGINT drain them all
  --ws <host:port>         Also serve WebSocket clients there (browsers): one
                           frame per text message, the same sessions, limits
                           and presence as TCP (default off)
  --ws-origin <origins>    Only accept WebSocket upgrades from these page
                           origins, comma-separated (https://a.example,...);
                           requests without an Origin header are accepted
  --admin <host:port>      Serve the admin endpoint there: /metrics, /healthz,
                           /readyz, /clients, the dashboard at /, POST /drain
                           (default off; keep it private, see docs/operations.md)
  --admin-token <token>    Require Authorization: Bearer <token> on the admin
                           endpoint's data and drain (at least 16 characters;
                           or set LIFELINE_ADMIN_TOKEN)
  --drain <duration>       On SIGTERM, SIGINT or POST /drain, close the clients
                           spread over this long, then exit 0 (default 10s;
                           0 closes them all at once). A second SIGINT or
                           SIGTERM, or the drain plus 5s, forces exit 1
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
    | "allowUnauthenticatedGo"
    | "msgRate"
    | "msgByteRate"
    | "maxPerIp"
    | "connectRate"
  > {
  /** The key file that verifies tokens, with `--auth jwt`. */
  authKey?: string;
  /** Messages at once before the rate applies, when given. */
  msgBurst?: number;
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
  /** The cluster's Redis URL, if any. */
  cluster?: string;
  /** This node's id, if given. */
  nodeId?: string;
  /** The node TTL, in milliseconds. */
  nodeTtl: number;
  /** Whether to share the port. */
  reusePort: boolean;
  /** How many worker processes to run, if any. */
  workers?: number;
  /** Where to listen for WebSocket clients, if anywhere. */
  ws?: { hostname: string; port: number };
  /** The page origins allowed on the WebSocket listener, if limited. */
  wsOrigins?: string[];
  /** Where to serve the admin endpoint, if anywhere. */
  admin?: { hostname: string; port: number };
  /** The admin endpoint's bearer token, if any. */
  adminToken?: string;
  /** The drain period at shutdown, in milliseconds. */
  drain: number;
  /** The log text kept while stdout is slow. */
  logBufferBytes: number;
  /** The TLS certificate and key files, when serving TLS. */
  tls?: { certFile: string; keyFile: string };
}

/**
 * Parses `HOST:PORT` (`[::1]:9091` for IPv6), or a bare `PORT` on
 * 127.0.0.1, for the flag `flag`.
 */
function addressFlag(flag: string, example: string) {
  return z.string().transform((text, ctx) => {
    const match = /^(?:\[([^\]]+)\]|([^:\[\]]*)):(\d+)$|^(\d+)$/.exec(
      text.trim(),
    );
    const port = Number(match?.[3] ?? match?.[4]);
    const hostname = match?.[1] ?? (match?.[2] || "127.0.0.1");
    if (match === null || !(port >= 0 && port <= 65535)) {
      ctx.addIssue({
        code: "custom",
        message: `--${flag}: Cannot use ${
          JSON.stringify(text)
        }: expected HOST:PORT such as ${example}`,
      });
      return z.NEVER;
    }
    return { hostname, port };
  });
}

/** Parses a comma-separated list of page origins, such as `https://a.example`. */
const originList = z.string().transform((text, ctx) => {
  const origins = text.split(",").map((part) => part.trim()).filter((part) =>
    part !== ""
  );
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (parsed === undefined || parsed.origin !== origin) {
      ctx.addIssue({
        code: "custom",
        message: `--ws-origin: Cannot use ${
          JSON.stringify(origin)
        }: expected an origin such as https://example.com (scheme, host and port only)`,
      });
      return z.NEVER;
    }
  }
  return origins;
});

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
  auth: choiceFlag("auth", ["jwt"]).optional(),
  "auth-key": z.string().min(1, '--auth-key: Cannot use "": expected a file')
    .optional(),
  "allow-go-unauthenticated": z.boolean(),
  "msg-rate": integerFlag("msg-rate", 0, 1_000_000),
  "msg-burst": integerFlag("msg-burst", 1, 10_000_000).optional(),
  "msg-byte-rate": byteSizeFlag("msg-byte-rate", 0, 1024 * 1048576),
  "max-per-ip": integerFlag("max-per-ip", 0, 10_000_000),
  "connect-rate": integerFlag("connect-rate", 0, 1_000_000),
  "log-format": choiceFlag("log-format", ["text", "json"]),
  "log-buffer": byteSizeFlag("log-buffer", 4096, 1024 * 1048576),
  transport: choiceFlag("transport", ["deno", "node"]),
  cluster: z.string().transform((text, ctx) => {
    try {
      parseRedisUrl(text);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `--cluster: ${(error as Error).message}`,
      });
      return z.NEVER;
    }
    return text;
  }).optional(),
  "node-id": z.string().regex(
    /^[A-Za-z0-9_.:-]{1,64}$/,
    "--node-id: expected 1 to 64 characters from A-Z a-z 0-9 _ . : -",
  ).optional(),
  "node-ttl": durationFlag("node-ttl", { min: 1000, max: 3_600_000 }),
  "reuse-port": z.boolean(),
  workers: integerFlag("workers", 1, 64).optional(),
  admin: addressFlag("admin", "127.0.0.1:9091").optional(),
  ws: addressFlag("ws", "127.0.0.1:9092").optional(),
  "ws-origin": originList.optional(),
  "admin-token": z.string().min(
    16,
    "--admin-token: Cannot use a token this short: expected at least 16 characters",
  ).optional(),
  drain: durationFlag("drain", { min: 0, max: 3_600_000, bareMs: true }),
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
    auth: { type: "string" },
    "auth-key": { type: "string" },
    "allow-go-unauthenticated": { type: "boolean", default: false },
    "msg-rate": { type: "string", default: "100" },
    "msg-burst": { type: "string" },
    "msg-byte-rate": { type: "string", default: "256KiB" },
    "max-per-ip": { type: "string", default: "0" },
    "connect-rate": { type: "string", default: "0" },
    "log-format": { type: "string", default: "text" },
    cluster: { type: "string" },
    "node-id": { type: "string" },
    "node-ttl": { type: "string", default: "10s" },
    "reuse-port": { type: "boolean", default: false },
    workers: { type: "string" },
    admin: { type: "string" },
    ws: { type: "string" },
    "ws-origin": { type: "string" },
    "admin-token": { type: "string" },
    drain: { type: "string", default: "10s" },
    "log-buffer": { type: "string", default: "1MiB" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
  });
  const envToken = Deno.env.get("LIFELINE_ADMIN_TOKEN");
  const v = validateFlags(schema, {
    ...values,
    "admin-token": values["admin-token"] ??
      (envToken === undefined || envToken === "" ? undefined : envToken),
  });
  if (v["admin-token"] !== undefined && v.admin === undefined) {
    throw new UsageError(
      "--admin-token: Cannot use a token without --admin: expected --admin HOST:PORT too",
    );
  }
  if ((v.auth === undefined) !== (v["auth-key"] === undefined)) {
    throw new UsageError(
      v.auth === undefined
        ? "--auth-key: Cannot use a key without --auth jwt"
        : "--auth: Cannot check tokens without --auth-key FILE",
    );
  }
  if (v["ws-origin"] !== undefined && v.ws === undefined) {
    throw new UsageError(
      "--ws-origin: Cannot limit origins without --ws: expected --ws HOST:PORT too",
    );
  }
  if (v.ws !== undefined && v.workers !== undefined) {
    throw new UsageError(
      "--ws: Cannot share a WebSocket port between --workers: run one WebSocket server per port",
    );
  }
  if (v["allow-go-unauthenticated"] && v.auth === undefined) {
    throw new UsageError(
      "--allow-go-unauthenticated: Cannot use it without --auth jwt",
    );
  }
  if (v.workers !== undefined && v.cluster === undefined) {
    throw new UsageError(
      "--workers: Cannot run workers without --cluster: they share clients' names and presence through it",
    );
  }
  if (v.workers !== undefined && v.port === 0) {
    throw new UsageError(
      "--workers: Cannot share port 0: give the port the workers listen on",
    );
  }
  if ((v.workers !== undefined || v["reuse-port"]) && v.transport === "deno") {
    throw new UsageError(
      "--reuse-port: Cannot share a port on the deno transport: use --transport node",
    );
  }
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
    ...(v.cluster === undefined ? {} : { cluster: v.cluster }),
    ...(v["node-id"] === undefined ? {} : { nodeId: v["node-id"] }),
    nodeTtl: v["node-ttl"],
    reusePort: v["reuse-port"],
    ...(v.workers === undefined ? {} : { workers: v.workers }),
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
    ...(v["auth-key"] === undefined ? {} : { authKey: v["auth-key"] }),
    allowUnauthenticatedGo: v["allow-go-unauthenticated"],
    msgRate: v["msg-rate"],
    msgByteRate: v["msg-byte-rate"],
    ...(v["msg-burst"] === undefined ? {} : { msgBurst: v["msg-burst"] }),
    maxPerIp: v["max-per-ip"],
    connectRate: v["connect-rate"],
    logFormat: v["log-format"],
    ...(v.admin === undefined ? {} : { admin: v.admin }),
    ...(v.ws === undefined ? {} : { ws: v.ws }),
    ...(v["ws-origin"] === undefined ? {} : { wsOrigins: v["ws-origin"] }),
    ...(v["admin-token"] === undefined ? {} : { adminToken: v["admin-token"] }),
    drain: v.drain,
    logBufferBytes: v["log-buffer"],
  };
}
