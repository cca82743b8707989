/**
 * The Lifeline server's command line: `deno run -A server/main.ts --help`.
 * Logs one timestamped line per connect, disconnect and timeout (and per
 * heartbeat with `--verbose`); shuts down gracefully on SIGINT and SIGTERM
 * and exits 0. A bad flag prints one line on stderr and exits 2.
 *
 * @module
 */

import { runCli } from "../common/cli.ts";
import { parseServerArgs, USAGE } from "./_cli.ts";
import { formatAddress, formatLogLine, type LogRecord } from "./_log.ts";
import { LogWriter } from "./_log_writer.ts";
import { tlsFromFiles } from "./_tls.ts";
import { startServer } from "./server.ts";
async function main(args: string[]): Promise<number> {
  const cli = parseServerArgs(args);
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  // Never console.log: it blocks the event loop while stdout is full.
  const output = new LogWriter({
    maxBufferBytes: cli.logBufferBytes,
    droppedNotice: (dropped) =>
      formatLogLine(
        cli.logFormat,
        { event: "log_dropped", dropped },
        Date.now(),
      )!,
  });
  const log = (record: LogRecord): void => {
    const line = formatLogLine(cli.logFormat, record, Date.now());
    if (line !== null) output.write(line);
  };
  let tls;
  if (cli.tls !== undefined) {
    try {
      // Reloaded on SIGHUP.
      tls = tlsFromFiles(cli.tls, log);
    } catch (error) {
      console.error(`server: ${(error as Error).message}`);
      return 1;
    }
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
      transport: tls ?? cli.transport,
      suspectAfter: cli.suspectAfter,
      presenceGrace: cli.presenceGrace,
      maxWatches: cli.maxWatches,
    });
  } catch (error) {
    // Address in use, not available, permission denied: one line, exit 1.
    console.error(
      `server: Cannot listen on ${
        formatAddress({ hostname: cli.hostname, port: cli.port })
      }: ${(error as Error).message.split("\n")[0]}`,
    );
    return 1;
  }
  const started = server.options;
  const fits = server.transport.connectionLimit;
  if (started.maxConnections > fits) {
    log({
      event: "warning",
      message:
        `--max-connections ${started.maxConnections} is more than the open-file limit leaves room for (${fits}); raise the limit (ulimit -n) or past ${fits} clients new ones may wait unanswered`,
    });
  }
  log({
    event: "listening",
    address: server.addr,
    transport: server.transport.name,
    ...(server.transport.detail === undefined
      ? {}
      : { transportDetail: server.transport.detail }),
    tls: server.transport.tls === true,
    interval: started.interval,
    timeout: started.timeout,
    tick: started.tick,
    maxConnections: started.maxConnections === Infinity
      ? null
      : started.maxConnections,
  });
  server.addEventListener("connect", (event) => {
    const c = event.detail;
    log({
      event: "connect",
      id: c.id,
      name: c.name,
      protocol: c.protocol,
      remoteAddr: c.remoteAddr,
    });
  });
  server.addEventListener("close", (event) => {
    const { client, reason } = event.detail;
    log({ event: "disconnect", id: client.id, name: client.name, reason });
  });
  server.addEventListener("timeout", (event) => {
    const d = event.detail;
    log({
      event: "timeout",
      id: d.id,
      name: d.client?.name ?? null,
      remoteAddr: d.remoteAddr,
      silentMs: d.silentMs,
    });
  });
  if (cli.verbose) {
    server.addEventListener("heartbeat", (event) => {
      const d = event.detail;
      log({
        event: "heartbeat",
        id: d.client.id,
        name: d.client.name,
        ...(d.seq === undefined ? {} : { seq: d.seq }),
      });
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
  log({ event: "shutdown", signal, connections: server.connectionCount });
  await server.close();
  log({ event: "stopped" });
  // Written out, unless stdout stays blocked: then the exit goes on.
  await output.flush(2000);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("server", main, Deno.args));
}
