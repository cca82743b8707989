/**
 * The load generator: opens N TCP connections to a heartbeat server from
 * 127.0.0.1 to 127.0.0.8, says hello, sends a heartbeat every interval from a
 * random phase, and reports pong round trips (p50, p99, max), drops and
 * heartbeats per second. Speaks Lifeline's protocol or the Go project
 * guobinqiu/tcp-heartbeat's frames (`--protocol go`), so one generator drives
 * either server. More than `--per-process` clients are spread over several
 * worker processes.
 *
 * ```sh
 * deno task bench:load --port 9090 --clients 1000 --interval 1s --duration 10s
 * ```
 *
 * @module
 */

import { z } from "zod";
import {
  choiceFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { type LoadOptions, type LoadReport, LoadRun } from "./_load_run.ts";

const USAGE = `Usage: deno task bench:load --port PORT [options]

  --host ADDR         server address (default 127.0.0.1)
  --port PORT         server port (required)
  --clients N         connections to open (default 1000, at most 200000)
  --interval DUR      heartbeat interval (default 1s)
  --duration DUR      how long to measure after the ramp (default 10s, at most 1h)
  --protocol P        lifeline | go (default lifeline)
  --sources N         connect from 127.0.0.1..127.0.0.N (default 8)
  --per-process N     most connections per worker process (default 15000)
  --json              print the report as JSON
  --help              show this help`;

/** The parsed command line of the load generator. */
export interface LoadCli {
  /** The load to run. */
  options: LoadOptions;
  /** Milliseconds to measure after the ramp. */
  durationMs: number;
  /** Print JSON instead of text. */
  json: boolean;
}

const FlagsSchema = z.object({
  host: z.string().transform((text, ctx) => {
    if (/^127\.\d+\.\d+\.\d+$|^::1$|^localhost$/.test(text)) return text;
    ctx.addIssue({
      code: "custom",
      message: `--host: Cannot use "${text}": expected a loopback address`,
    });
    return z.NEVER;
  }),
  port: integerFlag("port", 1, 65535),
  clients: integerFlag("clients", 1, 200000),
  interval: durationFlag("interval", { min: 10 }),
  duration: durationFlag("duration", { min: 100, max: 3_600_000 }),
  protocol: choiceFlag("protocol", ["lifeline", "go"]),
  sources: integerFlag("sources", 1, 254),
  "per-process": integerFlag("per-process", 1, 19000),
  json: z.boolean(),
});

/**
 * Parses the load generator's arguments.
 *
 * @param args The command-line arguments.
 * @returns The parsed options, or `"help"`.
 * @throws {UsageError} On an unknown flag, a missing port or a bad value,
 * with one clear line.
 *
 * @example
 * ```ts
 * import { parseLoadArgs } from "./load_generator.ts";
 * const cli = parseLoadArgs(["--port", "9090", "--clients", "10"]);
 * console.log(cli !== "help" && cli.options.clients); // 10
 * ```
 */
export function parseLoadArgs(args: string[]): LoadCli | "help" {
  const { values } = parseFlags(args, {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    clients: { type: "string", short: "n", default: "1000" },
    interval: { type: "string", default: "1s" },
    duration: { type: "string", default: "10s" },
    protocol: { type: "string", default: "lifeline" },
    sources: { type: "string", default: "8" },
    "per-process": { type: "string", default: "15000" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return "help";
  if (values.port === undefined) {
    throw new UsageError('Missing "--port": the server\'s port is required');
  }
  const v = validateFlags(FlagsSchema, values);
  return {
    options: {
      host: v.host,
      port: v.port,
      clients: v.clients,
      intervalMs: v.interval,
      protocol: v.protocol,
      sources: v.sources,
      perProcess: v["per-process"],
    },
    durationMs: v.duration,
    json: v.json,
  };
}

/**
 * Formats a load report as a few lines of text.
 *
 * @param report The merged report.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatLoadReport } from "./load_generator.ts";
 * console.log(formatLoadReport({
 *   target: 1, connections: 1, failed: 0, dropped: 0, errors: {}, frames: {},
 *   heartbeats: 10, heartbeatsPerSecond: 1, pongs: 10, late: 0, byes: 0,
 *   errorFrames: 0, measureSeconds: 10,
 *   rtt: { count: 10, p50: 0.2, p99: 0.5, max: 0.6 }, workers: 1,
 *   worstPerSecond: [0.6], batches: [[1, 10]],
 * }));
 * ```
 */
export function formatLoadReport(report: LoadReport): string {
  const errors = Object.entries(report.errors).map(([k, v]) => `${k}=${v}`)
    .join(" ") || "none";
  const frames = Object.entries(report.frames).map(([k, v]) => `${k}=${v}`)
    .join(", ") || "none";
  return [
    `connections ${report.connections}/${report.target} (failed ${report.failed}, dropped ${report.dropped}) in ${report.workers} worker(s)`,
    `heartbeats ${report.heartbeats} in ${
      report.measureSeconds.toFixed(1)
    }s = ${report.heartbeatsPerSecond.toFixed(0)}/s`,
    `pong rtt p50 ${report.rtt.p50.toFixed(2)} ms, p99 ${
      report.rtt.p99.toFixed(2)
    } ms, max ${
      report.rtt.max.toFixed(2)
    } ms (${report.rtt.count} pongs, ${report.late} late)`,
    `bye frames ${report.byes}, error frames ${report.errorFrames} (whole run: ${frames}), socket errors ${errors}`,
  ].join("\n");
}

async function main(args: string[]): Promise<number> {
  const cli = parseLoadArgs(args);
  if (cli === "help") {
    console.log(USAGE);
    return 0;
  }
  const run = LoadRun.start(cli.options);
  try {
    const ramp = await run.ramped;
    console.error(
      `ramped: ${ramp.ready} ready, ${ramp.failed} failed in ${ramp.ms} ms`,
    );
    await run.measure();
    await new Promise((resolve) => setTimeout(resolve, cli.durationMs));
    const report = await run.report();
    await run.close();
    console.log(
      cli.json ? JSON.stringify(report, null, 2) : formatLoadReport(report),
    );
    return report.dropped > 0 || report.failed > 0 ? 1 : 0;
  } catch (error) {
    console.error((error as Error).message);
    await run.kill();
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await runCli("bench:load", main, Deno.args));
}
