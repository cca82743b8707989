/**
 * The Lifeline server's command line: `deno run -A server/main.ts --help`.
 * Logs one timestamped line per connect, disconnect and timeout (and per
 * heartbeat with `--verbose`); shuts down gracefully on SIGINT and SIGTERM
 * and exits 0. A bad flag prints one line on stderr and exits 2.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import { parseServerArgs, USAGE, UsageError } from "./_cli.ts";
import type { TransportAddr } from "./transport.ts";
import { defaultMaxConnections } from "./options.ts";
import { startServer } from "./server.ts";

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

function clientLimit(max: number): string {
  return max === Infinity ? "no client limit" : `at most ${max} clients`;
}

function address(addr: TransportAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

async function main(args: string[]): Promise<number> {
  let cli;
  try {
    cli = parseServerArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`server: ${error.message} (see --help)`);
      return 2;
    }
    throw error;
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  let server;
  try {
    server = await startServer({
      hostname: cli.hostname,
      port: cli.port,
      interval: cli.interval,
      timeout: cli.timeout,
      tick: cli.tick,
      maxFrameBytes: cli.maxFrameBytes,
      maxConnections: cli.maxConnections,
      transport: cli.transport,
      presenceLimit: cli.presenceLimit,
    });
  } catch (error) {
    // Address in use, not available, permission denied: one line, exit 1.
    console.error(
      `server: Cannot listen on ${
        address({ hostname: cli.hostname, port: cli.port })
      }: ${(error as Error).message.split("\n")[0]}`,
    );
    return 1;
  }
  const started = server.options;
  const fits = defaultMaxConnections();
  if (started.maxConnections > fits) {
    log(
      `warning: --max-connections ${started.maxConnections} is more than the open-file limit leaves room for (${fits}); raise the limit (ulimit -n) or past ${fits} clients new ones may wait unanswered`,
    );
  }
  // No "timeout" in this line: log readers count that word as a sweep.
  log(
    `listening on ${address(server.addr)} (transport ${server.transport}${
      server.transportDetail ? ` on ${server.transportDetail}` : ""
    }, interval ${formatDuration(started.interval)}, silence limit ${
      formatDuration(started.timeout)
    }, tick ${formatDuration(started.tick)}, ${
      clientLimit(started.maxConnections)
    })`,
  );
  server.addEventListener("connect", (event) => {
    const c = event.detail;
    log(
      `connect ${c.name} from ${
        address(c.remoteAddr)
      } (${c.protocol}, id ${c.id})`,
    );
  });
  server.addEventListener("close", (event) => {
    const { client, reason } = event.detail;
    // A timeout already has its own line.
    if (reason !== "timeout") log(`disconnect ${client.name} (${reason})`);
  });
  server.addEventListener("timeout", (event) => {
    const d = event.detail;
    const who = d.client?.name ?? `connection ${d.id} (no hello)`;
    log(
      `timeout ${who} from ${address(d.remoteAddr)}: silent for ${
        formatDuration(d.silentMs)
      }`,
    );
  });
  if (cli.verbose) {
    server.addEventListener("heartbeat", (event) => {
      const d = event.detail;
      log(
        `heartbeat ${d.client.name}${
          d.seq === undefined ? "" : ` seq ${d.seq}`
        }`,
      );
    });
  }
  const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
  // The listeners stay until the process exits (see client/main.ts: removing
  // them while a signal is being handled can let Deno exit with 130).
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  const signal = await stopped;
  log(`shutting down (${signal}), ${server.connectionCount} connections`);
  await server.close();
  log("stopped");
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
