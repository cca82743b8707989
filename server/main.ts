/**
 * The Lifeline server's command line: `deno run -A server/main.ts --help`.
 * Logs one timestamped line per connect, disconnect and timeout (and per
 * heartbeat with `--verbose`); with `--admin`, serves metrics, health,
 * readiness and a dashboard over HTTP. On SIGINT, SIGTERM or `POST /drain`
 * it drains (stops accepting, closes the clients spread over `--drain`)
 * and exits 0; a second signal, or the drain plus 5 s, forces exit 1. A
 * bad flag prints one line on stderr and exits 2.
 *
 * @module
 */

import { type AdminServer, startAdmin } from "../admin/mod.ts";
import type * as Jwt from "../auth/jwt.ts";
import type { AuthKey } from "../auth/jwt.ts";
import type { Authenticator } from "../auth/types.ts";
import { runCli, UsageError } from "../common/cli.ts";
import { errorMessage } from "../common/errors.ts";
import type { ClusterAdapter } from "../cluster/types.ts";
import type * as RedisEngine from "../cluster/redis/redis.ts";
import { parseServerArgs, USAGE } from "./_cli.ts";
import { superviseWorkers } from "./_workers.ts";
import { formatAddress, formatLogLine, type LogRecord } from "./_log.ts";
import { LogWriter } from "./_log_writer.ts";
import { readCertificate, tlsFromFiles } from "./_tls.ts";
import { checkTlsCertificate } from "../transport/node/tls.ts";
import { startServer } from "./server.ts";

/**
 * The authenticator of `--auth jwt --auth-key FILE`; a bad key file is a
 * usage error. The JWT library loads only then: a server without auth does
 * not fetch it.
 */
async function authenticator(path: string): Promise<Authenticator> {
  // A module path the runtime cannot see ahead of time: a literal one would
  // make every server fetch the JWT library at start.
  const module = "../auth/jwt.ts";
  const { jwtAuthenticator, loadAuthKey } = await import(module) as typeof Jwt;
  let key: AuthKey;
  try {
    key = await loadAuthKey(path);
  } catch (error) {
    throw new UsageError(
      `--auth-key: Cannot use ${JSON.stringify(path)}: ${errorMessage(error)}`,
    );
  }
  if (key.kind === "private") {
    throw new UsageError(
      `--auth-key: Cannot use ${
        JSON.stringify(path)
      }: it holds a private key; give the server the public key, its certificate or a JWKS`,
    );
  }
  return jwtAuthenticator(key);
}

/** How long past the drain period the process waits before it forces exit. */
const FORCE_GRACE_MS = 5000;

function isLoopback(hostname: string): boolean {
  return hostname === "::1" || hostname.startsWith("127.") ||
    hostname === "localhost";
}

/** The default node id: this host's name and the process's id. */
function defaultNodeId(): string {
  let host = "node";
  try {
    host = Deno.hostname().replace(/[^A-Za-z0-9_.:-]/g, "-").slice(0, 40);
  } catch {
    // No permission to read the host name.
  }
  return `${host}-${Deno.pid}`;
}

/** The arguments without some flags (and their values). */
function withoutFlags(args: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = flags.find((f) =>
      args[i] === f || args[i].startsWith(`${f}=`)
    );
    if (flag === undefined) out.push(args[i]);
    else if (args[i] === flag) i++;
  }
  return out;
}

/**
 * The Redis engine of `--cluster`. Loaded only then, from a module path
 * the runtime cannot see ahead of time, so that a server alone never
 * fetches the Redis client.
 */
async function redisAdapter(
  url: string,
  nodeId: string,
  nodeTtlMs: number,
  checkMs: number,
): Promise<ClusterAdapter> {
  const engine = "../cluster/redis/redis.ts";
  const { redisCluster } = await import(engine) as typeof RedisEngine;
  return redisCluster({ url, nodeId, nodeTtlMs, checkMs });
}

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
  if (cli.tls !== undefined) {
    // Checked here too, so that workers are not restarted forever on files
    // that cannot work.
    try {
      checkTlsCertificate(readCertificate(cli.tls));
    } catch (error) {
      console.error(`server: ${(error as Error).message}`);
      return 1;
    }
  }
  if (cli.workers !== undefined) {
    return await superviseWorkers({
      count: cli.workers,
      args: withoutFlags(args, ["--workers", "--node-id"]),
      nodeIdBase: cli.nodeId ?? defaultNodeId(),
      main: new URL(import.meta.url).pathname,
      log,
    });
  }
  const cluster = cli.cluster === undefined ? undefined : await redisAdapter(
    cli.cluster,
    cli.nodeId ?? defaultNodeId(),
    cli.nodeTtl,
    cli.tick,
  );
  const auth = cli.authKey === undefined
    ? undefined
    : await authenticator(cli.authKey);
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
  const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
  const force = async (reason: string): Promise<never> => {
    log({ event: "forced", reason });
    // The reason is worth a moment, not a hang on a blocked stdout.
    await output.flush(500);
    Deno.exit(1);
  };
  // Installed before the server listens, so that once the listening line is
  // out a SIGTERM always drains (one that comes while the server starts is
  // kept and drains it as soon as it listens). The listeners stay until the
  // process exits (see client/main.ts: removing them while a signal is being
  // handled can let Deno exit with 130). The first signal drains; a second
  // one forces exit.
  let signals = 0;
  const onSignal = (name: string) => {
    if (++signals === 1) stop(name);
    else void force(`second ${name}`);
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  let server;
  try {
    server = await startServer({
      cluster,
      reusePort: cli.reusePort,
      auth,
      allowUnauthenticatedGo: cli.allowUnauthenticatedGo,
      msgRate: cli.msgRate,
      msgBurst: cli.msgBurst,
      msgByteRate: cli.msgByteRate,
      maxPerIp: cli.maxPerIp,
      connectRate: cli.connectRate,
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
      ...(cli.ws === undefined ? {} : {
        ws: {
          ...cli.ws,
          ...(cli.wsOrigins === undefined ? {} : { origins: cli.wsOrigins }),
        },
      }),
    });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    if (
      message.startsWith("Cannot join the cluster") ||
      message.startsWith("Cannot listen for WebSocket clients")
    ) {
      console.error(`server: ${message}`);
      return 1;
    }
    // Address in use, not available, permission denied: one line, exit 1.
    console.error(
      `server: Cannot listen on ${
        formatAddress({ hostname: cli.hostname, port: cli.port })
      }: ${(error as Error).message.split("\n")[0]}`,
    );
    return 1;
  }
  const started = server.options;
  const wsHost = server.wsAddr?.hostname;
  if (
    auth === undefined &&
    (!isLoopback(server.addr.hostname) ||
      (wsHost !== undefined && !isLoopback(wsHost)))
  ) {
    log({
      event: "warning",
      message: `listening on ${
        isLoopback(server.addr.hostname) ? wsHost : server.addr.hostname
      } without --auth: anyone who can reach it may take any name (see docs/security.md)`,
    });
  }
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
  if (server.wsAddr !== undefined) {
    log({ event: "websocket", address: server.wsAddr });
  }
  server.addEventListener("cluster", (event) => {
    log({ event: "cluster", ...event.detail });
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
  let drainMs = cli.drain;
  let admin: AdminServer | undefined;
  if (cli.admin !== undefined) {
    try {
      admin = await startAdmin(server, {
        ...cli.admin,
        ...(cli.adminToken === undefined ? {} : { token: cli.adminToken }),
        drainMs,
        logLinesDropped: () => output.droppedTotal,
        drain: (durationMs) => {
          drainMs = durationMs;
          stop("POST /drain");
        },
      });
    } catch (error) {
      console.error(
        `server: Cannot serve the admin endpoint on ${
          formatAddress(cli.admin)
        }: ${(error as Error).message.split("\n")[0]}`,
      );
      await server.close();
      return 1;
    }
    log({
      event: "admin",
      address: { hostname: admin.addr.hostname, port: admin.addr.port },
    });
  }
  const signal = await stopped;
  log({
    event: "shutdown",
    signal,
    connections: server.connectionCount,
    drain: drainMs,
  });
  const deadline = setTimeout(
    () =>
      void force(`still draining ${FORCE_GRACE_MS / 1000}s after the drain`),
    drainMs + FORCE_GRACE_MS,
  );
  await server.drain(drainMs);
  clearTimeout(deadline);
  await admin?.close();
  log({ event: "stopped" });
  // Written out, unless stdout stays blocked: then the exit goes on.
  await output.flush(2000);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("server", main, Deno.args));
}
