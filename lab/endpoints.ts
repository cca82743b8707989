/**
 * The two ends of a measured connection, started inside the lab's
 * namespaces: either the lab's probe programs (for the kernel-level
 * mechanisms) or Lifeline's own server and client (for the heartbeat). Both
 * are driven through one small interface so the fault code does not care.
 *
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import type { LabParameters, MechanismId } from "./results_schema.ts";
import { NsProcess, type OutputLine } from "./ns_process.ts";
import type { Topology } from "./netns.ts";
import {
  type EndReader,
  isListening,
  LIFELINE_CLIENT,
  LIFELINE_SERVER,
  PROBE as PROBE_LINES,
} from "./output_readers.ts";

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
 * The time a line reports for itself: the `t` field (epoch ms) of a probe's
 * or the client's JSON line, the `time` field (ISO 8601) of the server's
 * JSON log, or else when the lab read it.
 *
 * @param line The line.
 * @returns Epoch milliseconds.
 *
 * @example
 * ```ts
 * import { lineTime } from "./endpoints.ts";
 * const json = { time: "1970-01-01T00:00:01.000Z", event: "connect" };
 * console.log(lineTime({ at: 5, stream: "stdout", text: "", json })); // 1000
 * console.log(lineTime({ at: 5, stream: "stdout", text: "connect" })); // 5
 * ```
 */
export function lineTime(line: OutputLine): number {
  const json = line.json;
  if (typeof json?.t === "number") return json.t;
  const time = typeof json?.time === "string" ? Date.parse(json.time) : NaN;
  return Number.isNaN(time) ? line.at : time;
}

/** Options of {@linkcode lifelineServerCommand}. */
export interface LifelineServerCommandOptions {
  /**
   * The port to listen on.
   * @default {LAB_PORT}
   */
  port?: number;
}

/**
 * The command that runs Lifeline's server CLI on the lab's server host, with
 * its log in JSON (the lab reads nothing else).
 *
 * @param address The server host's address.
 * @param policy The heartbeat interval, timeout and sweep tick, in ms.
 * @param options The port.
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
 * console.log(argv.slice(-8)); // [ "--interval", "1000ms", "--timeout", "3000ms", "--tick", "250ms", "--log-format", "json" ]
 * ```
 */
export function lifelineServerCommand(
  address: string,
  policy: { intervalMs: number; timeoutMs: number; tickMs: number },
  options: LifelineServerCommandOptions = {},
): string[] {
  return [
    "deno",
    "run",
    "-A",
    SERVER_MAIN,
    "--host",
    address,
    "--port",
    String(options.port ?? LAB_PORT),
    "--interval",
    `${policy.intervalMs}ms`,
    "--timeout",
    `${policy.timeoutMs}ms`,
    "--tick",
    `${policy.tickMs}ms`,
    "--log-format",
    "json",
  ];
}

/**
 * The command that runs Lifeline's client CLI on the lab's client host, with
 * `--json` output and no stdin.
 *
 * @param address The server host's address.
 * @param name The client's name.
 * @param extra More flags, such as `["--adaptive"]`.
 * @returns The argv for {@link NsProcess}.
 *
 * @example
 * ```ts
 * import { lifelineClientCommand } from "./endpoints.ts";
 * const argv = lifelineClientCommand("10.250.1.2", "lab");
 * console.log(argv.slice(-6)); // [ "--host", "10.250.1.2", "--port", "7000", "--json", "--no-stdin" ]
 * ```
 */
export function lifelineClientCommand(
  address: string,
  name: string,
  extra: string[] = [],
): string[] {
  return [
    "deno",
    "run",
    "-A",
    CLIENT_MAIN,
    "-n",
    name,
    "--host",
    address,
    "--port",
    String(LAB_PORT),
    "--json",
    "--no-stdin",
    ...extra,
  ];
}

/**
 * Starts a server process and waits until it says it listens (its JSON
 * `listening` event); stops it and throws when it does not within 20 s.
 *
 * @param namespace The namespace to run in, or null for the current one.
 * @param command The program and its arguments.
 * @param what The server's name, for the error.
 * @returns The running process.
 * @throws {Error} With every line it printed, when it did not start.
 *
 * @example Start a probe server in this namespace
 * ```ts ignore
 * import { startListening } from "./endpoints.ts";
 * await using server = await startListening(null, [
 *   "deno", "run", "-A", "lab/probe.ts", "--role", "server",
 * ], "Probe server");
 * ```
 */
export async function startListening(
  namespace: string | null,
  command: string[],
  what: string,
): Promise<NsProcess> {
  const server = new NsProcess(namespace, command);
  if (await server.waitFor(isListening, 20_000) === null) {
    await server.stop();
    throw new Error(
      `${what} did not start: ${server.lines.map((l) => l.text).join(" | ")}`,
    );
  }
  return server;
}

function endSide(process: NsProcess, reader: EndReader): Side {
  const find = (since: number): Detection | null => {
    for (const line of process.lines) {
      const how = reader.gone(line);
      if (how !== null && lineTime(line) >= since) {
        return { at: lineTime(line), how };
      }
    }
    return null;
  };
  return {
    process,
    async connected(timeoutMs) {
      return (await process.waitFor(reader.connected, timeoutMs)) !== null;
    },
    detection: find,
    async waitDetection(since, timeoutMs) {
      await process.waitFor(
        (l) => reader.gone(l) !== null && lineTime(l) >= since,
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

function pair(server: Side, client: Side): Pair {
  return {
    server,
    client,
    async stop() {
      await Promise.all([server.process.stop(), client.process.stop()]);
    },
  };
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
    ? ["node", PROBE_NODE, "--idle", String(p.nodeIdleMs)]
    : ["deno", "run", "-A", PROBE, "--keepalive", keepalive];
  const probeCommand = (role: string) => [
    ...probe,
    "--port",
    String(LAB_PORT),
    "--role",
    role,
    "--host",
    topology.serverAddr,
  ];
  const server = await startListening(
    topology.server,
    probeCommand("server"),
    "Probe server",
  );
  const client = new NsProcess(topology.client, probeCommand("client"));
  return pair(endSide(server, PROBE_LINES), endSide(client, PROBE_LINES));
}

/** A Lifeline end: the heartbeat writes by itself and proves data flows. */
function lifelineSide(process: NsProcess, reader: EndReader): Side {
  return {
    ...endSide(process, reader),
    write() {
      return Promise.resolve();
    },
    receivedSince() {
      // Alive when nothing reported a disconnect (checked by the caller).
      return Promise.resolve(true);
    },
  };
}

async function startLifeline(
  topology: Topology,
  p: LabParameters,
): Promise<Pair> {
  const server = await startListening(
    topology.server,
    lifelineServerCommand(topology.serverAddr, p.heartbeat),
    "Lifeline server",
  );
  const client = new NsProcess(
    topology.client,
    lifelineClientCommand(topology.serverAddr, "lab"),
  );
  return pair(
    lifelineSide(server, LIFELINE_SERVER),
    lifelineSide(client, LIFELINE_CLIENT),
  );
}
