/**
 * A small TCP endpoint the lab runs inside a network namespace to measure the
 * kernel-level mechanisms (retransmission timeout, TCP keepalive) without any
 * application heartbeat. It prints one JSON object per line on stdout:
 * `{"event":"listening","port":N}`, `{"event":"connected","t":MS}`,
 * `{"event":"data","t":MS}` and `{"event":"closed","t":MS,"how":"ETIMEDOUT"}`
 * (`t` is `Date.now()`), and obeys commands on stdin: `write` sends one byte
 * to the peer, `exit` ends the process.
 *
 * ```sh
 * deno run -A lab/probe.ts --role server --host 10.250.1.2 --port 7000 --keepalive on
 * deno run -A lab/probe.ts --role client --host 10.250.1.2 --port 7000 --keepalive idle:2000
 * ```
 *
 * `--keepalive off` leaves SO_KEEPALIVE off, `on` switches it on with
 * `Deno.Conn.setKeepAlive(true)` (the namespace's sysctls apply), and
 * `idle:MS` uses `node:net`'s `setKeepAlive(true, MS)`, which under Deno sets
 * TCP_KEEPIDLE only (interval and probe count stay the namespace's).
 *
 * @module
 */

import net from "node:net";
import { z } from "zod";
import {
  choiceFlag,
  integerFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../common/cli.ts";

/** Options of one probe process. */
export interface ProbeOptions {
  /** Whether to listen (and accept one connection) or to connect. */
  role: "server" | "client";
  /** Address to listen on or connect to. */
  host: string;
  /** Port to listen on (0: any) or connect to. */
  port: number;
  /** Keepalive mode: "off", "on" or "idle:<ms>". */
  keepalive: string;
}

const USAGE =
  `Usage: deno run -A lab/probe.ts --role server|client [--host ADDR] [--port N]
                                [--keepalive off|on|idle:MS]
  Prints JSON lines (listening, connected, data, closed) and obeys "write"
  and "exit" on stdin.`;

const OptionsSchema = z.object({
  role: choiceFlag("role", ["server", "client"]),
  host: z.string().min(1, {
    message: '--host: Cannot use "": expected an address',
  }),
  port: integerFlag("port", 0, 65535),
  keepalive: z.string().regex(/^(off|on|idle:\d+)$/, {
    message: '--keepalive: expected "off", "on" or "idle:<ms>"',
  }),
});

/**
 * Parses the probe's command line.
 *
 * @param args The arguments, without the program name.
 * @returns The validated options, or `"help"`.
 * @throws {UsageError} When a flag is unknown, or a value missing or invalid.
 *
 * @example Parse a client's arguments
 * ```ts
 * import { parseProbeArgs } from "./probe.ts";
 * const options = parseProbeArgs(["--role", "client", "--host", "10.0.0.1", "--port", "7000"]);
 * console.log(options !== "help" && options.keepalive); // "off"
 * ```
 */
export function parseProbeArgs(args: string[]): ProbeOptions | "help" {
  const { values } = parseFlags(args, {
    role: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    keepalive: { type: "string", default: "off" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return "help";
  if (values.role === undefined) {
    throw new UsageError('Missing "--role": expected "server" or "client"');
  }
  return validateFlags(OptionsSchema, values);
}

function emit(event: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, t: Date.now(), ...extra }));
}

function errorCode(error: unknown): string {
  const e = error as { code?: string; name?: string };
  return e.code ?? e.name ?? String(error);
}

/** A connected socket, whichever API made it. */
interface Endpoint {
  write(): void;
  close(): void;
  closed: Promise<void>;
}

function deno(conn: Deno.Conn, keepalive: boolean): Endpoint {
  if (keepalive) (conn as Deno.TcpConn).setKeepAlive(true);
  const closed = (async () => {
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) {
          emit("closed", { how: "EOF" });
          return;
        }
        emit("data", { bytes: n });
      }
    } catch (error) {
      emit("closed", { how: errorCode(error) });
    }
  })();
  return {
    write() {
      conn.write(new Uint8Array([120])).catch((error) =>
        emit("write_error", { how: errorCode(error) })
      );
    },
    close() {
      try {
        conn.close();
      } catch { /* already closed */ }
    },
    closed,
  };
}

function node(socket: net.Socket, idleMs: number): Endpoint {
  socket.setKeepAlive(true, idleMs);
  const closed = new Promise<void>((resolve) => {
    let reported = false;
    const report = (how: string) => {
      if (!reported) emit("closed", { how });
      reported = true;
      resolve();
    };
    socket.on(
      "data",
      (chunk: Uint8Array) => emit("data", { bytes: chunk.length }),
    );
    socket.on("end", () => report("EOF"));
    socket.on("error", (error) => report(errorCode(error)));
    socket.on("close", () => report("close"));
  });
  return {
    write() {
      socket.write(new Uint8Array([120]));
    },
    close() {
      socket.destroy();
    },
    closed,
  };
}

async function open(options: ProbeOptions): Promise<Endpoint> {
  const idle = options.keepalive.startsWith("idle:")
    ? Number(options.keepalive.slice(5))
    : null;
  if (idle === null) {
    const keepalive = options.keepalive === "on";
    if (options.role === "server") {
      const listener = Deno.listen({
        hostname: options.host,
        port: options.port,
      });
      emit("listening", { port: (listener.addr as Deno.NetAddr).port });
      const conn = await listener.accept();
      listener.close();
      return deno(conn, keepalive);
    }
    return deno(
      await Deno.connect({ hostname: options.host, port: options.port }),
      keepalive,
    );
  }
  if (options.role === "server") {
    const server = net.createServer();
    const accepted = new Promise<net.Socket>((resolve) =>
      server.once("connection", resolve)
    );
    await new Promise<void>((resolve) =>
      server.listen(options.port, options.host, resolve)
    );
    emit("listening", { port: (server.address() as net.AddressInfo).port });
    const socket = await accepted;
    server.close();
    return node(socket, idle);
  }
  const socket = net.connect({ host: options.host, port: options.port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return node(socket, idle);
}

async function main(args: string[]): Promise<number> {
  const options = parseProbeArgs(args);
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const endpoint = await open(options);
  emit("connected");
  const commands = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of Deno.stdin.readable) {
      pending += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const command = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (command === "write") endpoint.write();
        if (command === "exit") return;
      }
    }
  })();
  await Promise.race([endpoint.closed, commands]);
  endpoint.close();
  return 0;
}

if (import.meta.main) Deno.exit(await runCli("probe", main, Deno.args));
