/**
 * The two ends of a measured connection, started inside the lab's
 * namespaces: either the lab's probe programs (for the kernel-level
 * mechanisms) or Lifeline's own server and client (for the heartbeat). Both
 * are driven through one small interface so the fault code does not care.
 *
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import type { MechanismId } from "./results_schema.ts";
import type { LabParameters } from "./results_schema.ts";
import { NsProcess, type OutputLine } from "./ns_process.ts";
import type { Topology } from "./netns.ts";

/** The port the server side listens on inside its namespace. */
export const LAB_PORT = 7000;

const PROBE = fromFileUrl(new URL("./probe.ts", import.meta.url));
const PROBE_NODE = fromFileUrl(new URL("./probe_node.mjs", import.meta.url));
const SERVER_MAIN = fromFileUrl(new URL("../server/main.ts", import.meta.url));
const CLIENT_MAIN = fromFileUrl(new URL("../client/main.ts", import.meta.url));

/** When and how one side noticed the connection was gone. */
export interface Detection {
  /** `Date.now()` of the moment it noticed. */
  at: number;
  how: string;
}

/** One side of the measured connection. */
export interface Side {
  /** The process (for signals). */
  readonly process: NsProcess;
  /** Resolves when this side has an established connection (false: timed out). */
  connected(timeoutMs: number): Promise<boolean>;
  /** The first time after `since` this side reported the connection gone, or null. */
  detection(since: number): Detection | null;
  /** Waits up to `timeoutMs` for a detection after `since`. */
  waitDetection(since: number, timeoutMs: number): Promise<Detection | null>;
  /** Makes this side write to its peer (for the RTO mechanisms). */
  write(): Promise<void>;
  /** Whether data from the peer arrived after `since`, waiting up to `timeoutMs`. */
  receivedSince(since: number, timeoutMs: number): Promise<boolean>;
}

/** Both sides. */
export interface Pair {
  server: Side;
  client: Side;
  /** Stops both processes. */
  stop(): Promise<void>;
}

/**
 * The time a line reports for itself: the `t` field of a JSON line, the ISO
 * timestamp a log line starts with, or else when the lab read it.
 *
 * @param line The line.
 * @returns Epoch milliseconds.
 *
 * @example
 * ```ts
 * import { lineTime } from "./endpoints.ts";
 * const line = { at: 5, stream: "stdout" as const, text: "1970-01-01T00:00:01.000Z connect A" };
 * console.log(lineTime(line)); // 1000
 * ```
 */
export function lineTime(line: OutputLine): number {
  if (typeof line.json?.t === "number") return line.json.t;
  const stamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) /.exec(line.text);
  return stamp === null ? line.at : Date.parse(stamp[1]);
}

/**
 * The command that runs Lifeline's server CLI on the lab's server host.
 *
 * @param address The server host's address.
 * @param policy The heartbeat interval, timeout and sweep tick, in ms.
 * @returns The argv for {@link NsProcess}.
 *
 * @example
 * ```ts
 * import { lifelineServerCommand } from "./endpoints.ts";
 * const argv = lifelineServerCommand("10.250.1.1", {
 *   intervalMs: 1000,
 *   timeoutMs: 3000,
 *   tickMs: 250,
 * });
 * console.log(argv.slice(-6)); // [ "--interval", "1000ms", "--timeout", "3000ms", "--tick", "250ms" ]
 * ```
 */
export function lifelineServerCommand(
  address: string,
  policy: { intervalMs: number; timeoutMs: number; tickMs: number },
): string[] {
  return [
    "deno",
    "run",
    "-A",
    SERVER_MAIN,
    "--host",
    address,
    "--port",
    String(LAB_PORT),
    "--interval",
    `${policy.intervalMs}ms`,
    "--timeout",
    `${policy.timeoutMs}ms`,
    "--tick",
    `${policy.tickMs}ms`,
  ];
}

function probeSide(
  process: NsProcess,
  isGone: (line: OutputLine) => string | null,
): Side {
  const find = (since: number): Detection | null => {
    for (const line of process.lines) {
      const how = isGone(line);
      if (how !== null && lineTime(line) >= since) {
        return { at: lineTime(line), how };
      }
    }
    return null;
  };
  return {
    process,
    async connected(timeoutMs) {
      return (await process.waitFor(
        (l) => l.json?.event === "connected",
        timeoutMs,
      )) !== null;
    },
    detection: find,
    async waitDetection(since, timeoutMs) {
      await process.waitFor(
        (l) => isGone(l) !== null && lineTime(l) >= since,
        timeoutMs,
      );
      return find(since);
    },
    async write() {
      await process.send("write");
    },
    async receivedSince(since, timeoutMs) {
      return (await process.waitFor(
        (l) => l.json?.event === "data" && (l.json.t as number) >= since,
        timeoutMs,
      )) !== null;
    },
  };
}

function probeGone(line: OutputLine): string | null {
  return line.json?.event === "closed" ? String(line.json.how) : null;
}

/**
 * Starts the two ends for a mechanism: probes for `none*`, `keepalive_*` and
 * `node_idle`; Lifeline's server and client for `heartbeat*`.
 *
 * @param topology The namespaces.
 * @param mechanism The mechanism.
 * @param p The lab's parameters.
 * @returns Both sides, already started (wait with `connected()`).
 *
 * @example Start two probes with keepalive on (root only)
 * ```ts ignore
 * import { startPair } from "./endpoints.ts";
 * import { createTopology } from "./netns.ts";
 * import { DEFAULT_PARAMETERS } from "./cases.ts";
 * await using topology = await createTopology();
 * const pair = await startPair(topology, "keepalive_tuned", DEFAULT_PARAMETERS);
 * console.log(await pair.server.connected(10_000));
 * await pair.stop();
 * ```
 */
export async function startPair(
  topology: Topology,
  mechanism: MechanismId,
  p: LabParameters,
): Promise<Pair> {
  if (mechanism === "heartbeat" || mechanism === "heartbeat_keepalive") {
    return await startLifeline(topology, p);
  }
  const node20 = mechanism === "node20_idle";
  const keepalive = mechanism === "node_idle"
    ? `idle:${p.nodeIdleMs}`
    : mechanism.startsWith("keepalive")
    ? "on"
    : "off";
  const probe = node20
    ? [
      "node",
      PROBE_NODE,
      "--idle",
      String(p.nodeIdleMs),
      "--port",
      String(LAB_PORT),
    ]
    : [
      "deno",
      "run",
      "-A",
      PROBE,
      "--keepalive",
      keepalive,
      "--port",
      String(LAB_PORT),
    ];
  const server = new NsProcess(topology.server, [
    ...probe,
    "--role",
    "server",
    "--host",
    topology.serverAddr,
  ]);
  const listening = await server.waitFor(
    (l) => l.json?.event === "listening",
    20_000,
  );
  if (listening === null) {
    await server.stop();
    throw new Error(
      `Probe server did not start: ${
        server.lines.map((l) => l.text).join(" | ")
      }`,
    );
  }
  const client = new NsProcess(topology.client, [
    ...probe,
    "--role",
    "client",
    "--host",
    topology.serverAddr,
  ]);
  return {
    server: probeSide(server, probeGone),
    client: probeSide(client, probeGone),
    async stop() {
      await Promise.all([server.stop(), client.stop()]);
    },
  };
}

/** Lifeline's server log lines that mean "a client is gone". */
function lifelineServerGone(line: OutputLine): string | null {
  if (/^\S+ timeout /.test(line.text)) return "heartbeat timeout";
  const closed = /^\S+ disconnect \S+ \((.*)\)/.exec(line.text);
  return closed === null ? null : closed[1];
}

/** Lifeline's client `--json` lines that mean "the server is gone". */
function lifelineClientGone(line: OutputLine): string | null {
  const event = line.json?.event;
  if (event === "dead") return "heartbeat timeout";
  if (event === "disconnect") return String(line.json?.reason ?? "disconnect");
  return null;
}

function lifelineConnected(line: OutputLine): boolean {
  return line.json?.event === "welcome" || /^\S+ connect /.test(line.text);
}

async function startLifeline(
  topology: Topology,
  p: LabParameters,
): Promise<Pair> {
  const hb = p.heartbeat;
  const server = new NsProcess(
    topology.server,
    lifelineServerCommand(topology.serverAddr, hb),
  );
  const listening = await server.waitFor(
    (l) => /^\S+ listening /.test(l.text),
    20_000,
  );
  if (listening === null) {
    await server.stop();
    throw new Error(
      `Lifeline server did not start: ${
        server.lines.map((l) => l.text).join(" | ")
      }`,
    );
  }
  const client = new NsProcess(topology.client, [
    "deno",
    "run",
    "-A",
    CLIENT_MAIN,
    "-n",
    "lab",
    "--host",
    topology.serverAddr,
    "--port",
    String(LAB_PORT),
    "--json",
    "--no-stdin",
  ]);
  const side = (
    process: NsProcess,
    gone: (l: OutputLine) => string | null,
  ): Side => {
    const base = probeSide(process, gone);
    return {
      ...base,
      async connected(timeoutMs) {
        return (await process.waitFor(lifelineConnected, timeoutMs)) !== null;
      },
      write() {
        // The heartbeat already writes; nothing to add.
        return Promise.resolve();
      },
      receivedSince() {
        // Alive when nothing reported a disconnect (checked by the caller).
        return Promise.resolve(true);
      },
    };
  };
  return {
    server: side(server, lifelineServerGone),
    client: side(client, lifelineClientGone),
    async stop() {
      await Promise.all([server.stop(), client.stop()]);
    },
  };
}
