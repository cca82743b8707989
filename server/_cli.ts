/**
 * Parses and validates the server's command line.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { formatDuration, parseDuration } from "../common/duration.ts";
import { defaultTick } from "./options.ts";

/** The usage text printed by `--help`. */
export const USAGE = `Usage: deno run -A server/main.ts [options]

Lifeline heartbeat server: newline-delimited JSON over TCP (and the Go
tcp-heartbeat client's frames). Drops a silent client within timeout + tick.

Options:
  --host <address>         Address to listen on (default 127.0.0.1)
  --port <port>            Port to listen on, 0 for any free one (default 9090)
  --interval <duration>    Ping interval told to clients (default 5s)
  --timeout <duration>     Silence before a client is dropped (default 15s)
  --tick <duration>        Sweep period (default timeout/10, 10ms to 1s)
  --max-frame <size>       Longest frame: bytes, or with k/KiB/m/MiB (default 64KiB)
  --max-connections <n>    Refuse more clients with bye server_full (default:
                           the open-file limit less 64)
  --transport <deno|node>  Socket layer: Deno.listen or node:net (default node)
  --presence-limit <n>     Send presence frames only while at most n clients
                           are registered (default 100; 0 turns them off)
  --log-format <text|json> Log lines for people (text, the default) or one
                           JSON object per line for programs (json: the
                           stable interface, see docs/server.md)
  --verbose                Also log every heartbeat
  --help                   Show this help

Durations take units: 250ms, 5s, 1m, 1m30s.`;

/** What the command line asks for. */
export interface ServerCli {
  /** Whether `--help` was given. */
  help: boolean;
  /** Whether to log heartbeats. */
  verbose: boolean;
  /** The listen address. */
  hostname: string;
  /** The port. */
  port: number;
  /** The interval, in ms. */
  interval: number;
  /** The timeout, in ms. */
  timeout: number;
  /** The tick, in ms. */
  tick: number;
  /** The frame limit, in bytes. */
  maxFrameBytes: number;
  /** The connection limit, if given. */
  maxConnections?: number;
  /** The transport. */
  transport: "deno" | "node";
  /** The most registered clients for which presence frames are sent. */
  presenceLimit: number;
  /** The log's format. */
  logFormat: "text" | "json";
}

/** A command line that cannot be used; the message is one line. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const BYTES = /^(\d+)\s*(|b|k|kb|kib|m|mb|mib)$/i;

/**
 * Parses a byte size: `65536`, `64k`, `64KiB`, `1m` (k = 1024).
 *
 * @param text The size.
 * @returns Bytes.
 */
export function parseByteSize(text: string): number {
  const match = BYTES.exec(text.trim());
  if (match === null) {
    throw new SyntaxError(
      `Cannot parse size "${text}": expected bytes such as "65536", "64k" or "64KiB"`,
    );
  }
  const unit = match[2].toLowerCase();
  const scale = unit.startsWith("k")
    ? 1024
    : unit.startsWith("m")
    ? 1048576
    : 1;
  return Number(match[1]) * scale;
}

function duration(flag: string) {
  return z.string().transform((text, ctx) => {
    try {
      const ms = parseDuration(text);
      if (ms <= 0) {
        ctx.addIssue({
          code: "custom",
          message:
            `--${flag}: Cannot use "${text}": expected a duration above 0`,
        });
        return z.NEVER;
      }
      return ms;
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `--${flag}: ${(error as Error).message}`,
      });
      return z.NEVER;
    }
  });
}

function integer(flag: string, min: number, max: number) {
  return z.string().transform((text, ctx) => {
    const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({
        code: "custom",
        message:
          `--${flag}: Cannot use "${text}": expected an integer from ${min} to ${max}`,
      });
      return z.NEVER;
    }
    return value;
  });
}

const schema = z.object({
  help: z.boolean(),
  verbose: z.boolean(),
  host: z.string().trim().min(1, '--host: Cannot use "": expected an address'),
  port: integer("port", 0, 65535),
  interval: duration("interval"),
  timeout: duration("timeout"),
  tick: duration("tick").optional(),
  "max-frame": z.string().transform((text, ctx) => {
    try {
      const bytes = parseByteSize(text);
      if (bytes < 16 || bytes > 64 * 1048576) {
        ctx.addIssue({
          code: "custom",
          message:
            `--max-frame: Cannot use "${text}": expected 16 bytes to 64MiB`,
        });
        return z.NEVER;
      }
      return bytes;
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `--max-frame: ${(error as Error).message}`,
      });
      return z.NEVER;
    }
  }),
  "max-connections": integer("max-connections", 1, 10_000_000).optional(),
  "presence-limit": integer("presence-limit", 0, 10_000_000),
  "log-format": z.enum(["text", "json"], {
    error: (issue) =>
      `--log-format: Cannot use ${
        JSON.stringify(issue.input)
      }: expected "text" or "json"`,
  }),
  transport: z.enum(["deno", "node"], {
    error: (issue) =>
      `--transport: Cannot use ${
        JSON.stringify(issue.input)
      }: expected "deno" or "node"`,
  }),
});

/**
 * Parses the server's arguments.
 *
 * @param args The arguments after the script name.
 * @returns The settings.
 * @throws {UsageError} With a one-line message for a bad command line.
 */
export function parseServerArgs(args: string[]): ServerCli {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h", default: false },
        verbose: { type: "boolean", short: "v", default: false },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "9090" },
        interval: { type: "string", default: "5s" },
        timeout: { type: "string", default: "15s" },
        tick: { type: "string" },
        "max-frame": { type: "string", default: "64KiB" },
        "max-connections": { type: "string" },
        transport: { type: "string", default: "node" },
        "presence-limit": { type: "string", default: "100" },
        "log-format": { type: "string", default: "text" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    throw new UsageError(result.error.issues[0].message);
  }
  const v = result.data;
  if (v.interval >= v.timeout) {
    throw new UsageError(
      `--interval: Cannot use ${formatDuration(v.interval)} with --timeout ${
        formatDuration(v.timeout)
      }: the interval must be shorter than the timeout`,
    );
  }
  return {
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
    presenceLimit: v["presence-limit"],
    logFormat: v["log-format"],
  };
}
