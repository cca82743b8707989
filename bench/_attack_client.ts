/**
 * Attacks on the client (issue 15, item 8): a hostile server in this
 * process, and a client CLI (`client/main.ts --json`, from the revision
 * measured, with its default backoff) connected to it in a process of its
 * own, whose CPU and events are counted.
 *
 * @module
 */

import { exitWithin } from "./_child.ts";
import type { ClientAttackName } from "./_attack_list.ts";
import type { Outcome } from "./_attack_types.ts";
import { readLines } from "./_lines.ts";
import { clockTicksPerSecond, readCpuTicks } from "./_proc.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const GARBAGE = encoder.encode("not json\n".repeat(1000));

/** What the hostile server does with one connection after its `hello`. */
type Behaviour = (conn: Deno.TcpConn) => () => void;

interface Counts {
  connections: number;
  pings: number;
}

function write(conn: Deno.TcpConn, frame: unknown): void {
  conn.write(encoder.encode(JSON.stringify(frame) + "\n")).catch(() => {});
}

const BEHAVIOURS: Record<ClientAttackName, Behaviour> = {
  "client-retry-overflow": (conn) => {
    write(conn, { type: "bye", reason: "shutdown", retryAfter: 2 ** 31 });
    const timer = setTimeout(() => conn.close(), 50);
    return () => clearTimeout(timer);
  },
  "client-garbage": (conn) => {
    write(conn, { type: "welcome", id: "1", interval: 1000, timeout: 3000 });
    const timer = setInterval(() => {
      conn.write(GARBAGE).catch(() => clearInterval(timer));
    }, 10);
    return () => clearInterval(timer);
  },
  "client-welcome-bounds": (conn) => {
    write(conn, { type: "welcome", id: "1", interval: 1, timeout: 3000 });
    return () => {};
  },
};

/** Serves one connection: `hello` starts the behaviour; pings are counted. */
async function serve(
  conn: Deno.TcpConn,
  attack: ClientAttackName,
  seen: Counts,
): Promise<void> {
  seen.connections++;
  let stop = () => {};
  let text = "";
  const buffer = new Uint8Array(16384);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      let newline: number;
      while ((newline = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 1);
        if (line.includes('"hello"')) stop = BEHAVIOURS[attack](conn);
        if (line.includes('"ping"')) {
          seen.pings++;
          // Only the bounds attack answers (it wants the ping storm).
          if (attack === "client-welcome-bounds") {
            const seq = JSON.parse(line).seq;
            write(conn, { type: "pong", seq });
          }
        }
      }
    }
  } catch {
    // Reset by the client.
  } finally {
    stop();
    try {
      conn.close();
    } catch {
      // Closed already.
    }
  }
}

/** What the client printed, counted. */
interface Printed {
  errors: number;
  dead: number;
  firstDeadAt: number | undefined;
  protocolErrors: number;
}

async function countEvents(
  stream: ReadableStream<Uint8Array>,
  printed: Printed,
): Promise<void> {
  for await (const line of readLines(stream)) {
    if (line.includes('"event":"error"')) printed.errors++;
    else if (line.includes('"event":"dead"')) {
      printed.dead++;
      printed.firstDeadAt ??= performance.now();
    } else if (
      line.includes('"event":"disconnect"') && line.includes("protocol_error")
    ) printed.protocolErrors++;
  }
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Runs a client attack: starts the hostile server, starts the client CLI
 * of the checkout at `root` against it, measures for `durationMs` from the
 * client's first connection, then stops both.
 *
 * @param attack Which attack.
 * @param root The checkout whose `client/main.ts` runs (with a trailing
 * slash).
 * @param durationMs How long to measure.
 * @returns Connections and pings per second, the client's CPU, its error,
 * `dead` and `protocol_error` events.
 *
 * @example
 * ```ts ignore
 * import { runClientAttack } from "./_attack_client.ts";
 * console.log(await runClientAttack("client-garbage", "./", 5000));
 * ```
 */
export async function runClientAttack(
  attack: ClientAttackName,
  root: string,
  durationMs: number,
): Promise<Outcome> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: Counts = { connections: 0, pings: 0 };
  const first = Promise.withResolvers<void>();
  const serving: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      first.resolve();
      serving.push(serve(conn, attack, seen));
    }
  })().catch(() => {});
  const client = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${root}client/main.ts`,
      "-n",
      "A",
      "--host",
      "127.0.0.1",
      "--port",
      String(listener.addr.port),
      "--json",
      "--no-stdin",
    ],
    cwd: root,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const printed: Printed = {
    errors: 0,
    dead: 0,
    firstDeadAt: undefined,
    protocolErrors: 0,
  };
  const counting = countEvents(client.stdout, printed);
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      first.promise,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("The client never connected")),
          30_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const start = performance.now();
    const cpuStart = readCpuTicks(client.pid);
    const before = { ...seen, ...printed };
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const cpuEnd = readCpuTicks(client.pid);
    const windowMs = performance.now() - start;
    const after = { ...seen, ...printed };
    const perSecond = (count: number) => round(count / windowMs * 1000);
    const cpuMs = (cpuEnd - cpuStart) * 1000 / clockTicksPerSecond();
    return {
      windowMs: Math.round(windowMs),
      connections: after.connections,
      connectionsPerSecond: perSecond(after.connections - before.connections),
      pingsPerSecond: perSecond(after.pings - before.pings),
      cpuPercent: round(100 * cpuMs / windowMs, 0),
      errorEvents: after.errors,
      errorsPerSecond: perSecond(after.errors - before.errors),
      deadEvents: after.dead,
      firstDeadMs: printed.firstDeadAt === undefined
        ? null
        : Math.round(printed.firstDeadAt - start),
      protocolErrors: after.protocolErrors,
    };
  } finally {
    try {
      client.kill("SIGTERM");
    } catch {
      // Exited already.
    }
    await exitWithin(client, 3000);
    await counting;
    listener.close();
    await accepting;
    await Promise.all(serving);
  }
}
