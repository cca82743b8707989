/**
 * Runs one repetition of one case: builds the namespaces, tunes them for the
 * mechanism, starts both ends, injects the fault, waits (up to the cap) for
 * each side to notice, and tears everything down, also on failure.
 *
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import type { LabParameters, LabRun } from "./results_schema.ts";
import type { CaseSpec } from "./cases.ts";
import {
  createTopology,
  mustRun,
  type NatMode,
  run,
  type Topology,
} from "./netns.ts";
import { startPair } from "./endpoints.ts";

const SYSCTL_MAIN = fromFileUrl(new URL("../sysctl/main.ts", import.meta.url));

/** How the tuned keepalive was applied, for the results' notes. */
export type TuneMethod = "sysctl apply" | "direct /proc/sys write";

/**
 * Sets keepalive time/intvl/probes inside a namespace with Lifeline's sysctl
 * manager (`sysctl apply --runtime-only` against a temporary `--root`),
 * falling back to writing `/proc/sys` inside the namespace when the manager
 * is missing or fails. Reads the values back either way.
 *
 * @param topology The namespaces.
 * @param namespace The namespace to tune.
 * @param k The values in seconds.
 * @returns How it was done.
 * @throws {Error} When the values read back differ.
 *
 * @example Tune the server host (root only)
 * ```ts ignore
 * import { tuneKeepalive } from "./run_case.ts";
 * import { createTopology } from "./netns.ts";
 * await using topology = await createTopology();
 * console.log(await tuneKeepalive(topology, topology.server, { time: 2, intvl: 1, probes: 3 }));
 * ```
 */
export async function tuneKeepalive(
  topology: Topology,
  namespace: string,
  k: { time: number; intvl: number; probes: number },
): Promise<TuneMethod> {
  let method: TuneMethod = "direct /proc/sys write";
  let managerExists = false;
  try {
    managerExists = Deno.statSync(SYSCTL_MAIN).isFile;
  } catch { /* no sysctl manager in this checkout */ }
  if (managerExists) {
    const root = await Deno.makeTempDir({ prefix: `lab-${Deno.pid}-sysctl-` });
    try {
      const result = await run("ip", [
        "netns",
        "exec",
        namespace,
        "deno",
        "run",
        "-A",
        SYSCTL_MAIN,
        "apply",
        "--root",
        root,
        "--runtime-only",
        "--time",
        String(k.time),
        "--intvl",
        String(k.intvl),
        "--probes",
        String(k.probes),
      ]);
      if (result.code === 0) method = "sysctl apply";
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }
  if (method !== "sysctl apply") {
    await topology.sysctl(namespace, "net.ipv4.tcp_keepalive_time", k.time);
    await topology.sysctl(namespace, "net.ipv4.tcp_keepalive_intvl", k.intvl);
    await topology.sysctl(namespace, "net.ipv4.tcp_keepalive_probes", k.probes);
  }
  const got = [
    await topology.readSysctl(namespace, "net.ipv4.tcp_keepalive_time"),
    await topology.readSysctl(namespace, "net.ipv4.tcp_keepalive_intvl"),
    await topology.readSysctl(namespace, "net.ipv4.tcp_keepalive_probes"),
  ].join("/");
  if (got !== `${k.time}/${k.intvl}/${k.probes}`) {
    throw new Error(
      `Keepalive in "${namespace}" is "${got}" after tuning, not "${k.time}/${k.intvl}/${k.probes}"`,
    );
  }
  return method;
}

function natMode(spec: CaseSpec): NatMode {
  if (spec.fault === "nat_expiry_loose") return "loose";
  if (spec.fault === "nat_expiry_strict") return "strict";
  return "none";
}

/** The fault comes 0.5 s plus up to this much after the connection is up. */
export const FAULT_PHASE_SPREAD_MS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs one repetition of a case and measures both sides.
 *
 * @param spec The fault, mechanism and observing side.
 * @param repetition The repetition number (recorded).
 * @param p The lab's parameters.
 * @returns The run.
 * @throws {Error} When the setup fails (the namespaces are deleted first).
 *
 * @example One run of one case (root only)
 * ```ts ignore
 * import { runCase } from "./run_case.ts";
 * import { DEFAULT_PARAMETERS } from "./cases.ts";
 * const run = await runCase(
 *   { fault: "client_vanishes", mechanism: "keepalive_tuned", observer: "server" },
 *   0,
 *   DEFAULT_PARAMETERS,
 * );
 * console.log(run.outcome, run.detectionMs);
 * ```
 */
export async function runCase(
  spec: CaseSpec,
  repetition: number,
  p: LabParameters,
): Promise<LabRun> {
  await using topology = await createTopology({
    nat: natMode(spec),
    conntrackTimeoutS: p.conntrackTimeoutS,
  });
  const notes: string[] = [];
  const m = spec.mechanism;
  for (const namespace of [topology.server, topology.client]) {
    if (m === "keepalive_tuned" || m === "heartbeat_keepalive") {
      const method = await tuneKeepalive(topology, namespace, p.keepaliveTuned);
      if (namespace === topology.server) {
        notes.push(`keepalive tuned by ${method}`);
      }
    }
    if (m === "none_retries2") {
      await topology.sysctl(
        namespace,
        "net.ipv4.tcp_retries2",
        p.tcpRetries2.lowered,
      );
    }
  }
  const pair = await startPair(topology, m, p);
  try {
    const ok = await pair.server.connected(20_000) &&
      await pair.client.connected(20_000);
    if (!ok) {
      const tail = [...pair.server.process.lines, ...pair.client.process.lines]
        .slice(-6).map((l) => l.text).join(" | ");
      throw new Error(`Case "${spec.fault}/${m}" did not connect: ${tail}`);
    }
    // Let the connection settle (the heartbeat's first round trip, keepalive
    // armed), then strike at a random moment so the runs sample the phase of
    // the keepalive timer and the heartbeat instead of always the same one.
    await sleep(500 + Math.random() * FAULT_PHASE_SPREAD_MS);
    const writer = spec.observer === "server" ? pair.server : pair.client;
    let faultAt: number;
    switch (spec.fault) {
      case "client_killed":
        faultAt = Date.now();
        pair.client.process.signal("SIGKILL");
        break;
      case "client_vanishes":
        await topology.dropForwarding();
        faultAt = Date.now();
        break;
      case "server_frozen":
        faultAt = Date.now();
        pair.server.process.signal("SIGSTOP");
        break;
      case "nat_expiry_loose":
      case "nat_expiry_strict":
        // Idle past the conntrack timeout: without traffic the mapping is gone.
        await sleep(p.conntrackTimeoutS * 1000 + 1000);
        faultAt = Date.now();
        notes.push(
          `conntrack entries at fault: ${await conntrackCount(topology)}`,
        );
        break;
    }
    if (m === "none" || m === "none_retries2") await writer.write();
    const observer = spec.observer === "server" ? pair.server : pair.client;
    const seen = await observer.waitDetection(faultAt, p.capMs);
    let outcome: LabRun["outcome"] =
      seen !== null && seen.at - faultAt <= p.capMs
        ? "detected"
        : "not_detected";
    if (outcome === "not_detected" && spec.fault.startsWith("nat_expiry")) {
      // Did the mechanism keep the mapping alive? Data must still flow.
      const before = Date.now();
      await pair.server.write();
      const delivered = await pair.client.receivedSince(before, 2000);
      const broken = pair.server.detection(faultAt) ??
        pair.client.detection(faultAt);
      if (delivered && broken === null) outcome = "survived";
    }
    const side = (s: typeof pair.server) => {
      const d = s.detection(faultAt);
      return d === null || d.at - faultAt > p.capMs
        ? { ms: null, how: null }
        : { ms: Math.max(0, d.at - faultAt), how: d.how };
    };
    const server = side(pair.server);
    const client = spec.fault === "client_killed"
      ? { ms: null, how: "killed" }
      : side(pair.client);
    const mine = spec.observer === "server" ? server : client;
    return {
      repetition,
      faultAt: new Date(faultAt).toISOString(),
      outcome,
      detectionMs: outcome === "detected" ? mine.ms : null,
      server,
      client,
      ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
    };
  } finally {
    await pair.stop();
  }
}

async function conntrackCount(topology: Topology): Promise<number> {
  try {
    const out = await mustRun("ip", [
      "netns",
      "exec",
      topology.router,
      "conntrack",
      "-C",
    ]);
    return Number(out.trim());
  } catch {
    return -1;
  }
}
