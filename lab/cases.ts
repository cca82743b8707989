/**
 * What the lab measures: its scaled-down parameters, the faults, the
 * mechanisms and which fault × mechanism cases a quick or full run covers.
 *
 * @module
 */

import type { FaultId, LabParameters, MechanismId } from "./results_schema.ts";

/** The lab's constants: production values divided by `scale.factor`. */
export const DEFAULT_PARAMETERS: LabParameters = {
  keepaliveDefault: { time: 7200, intvl: 75, probes: 9 },
  keepaliveTuned: { time: 2, intvl: 1, probes: 3 },
  nodeIdleMs: 2000,
  heartbeat: { intervalMs: 1000, timeoutMs: 3000, tickMs: 250 },
  tcpRetries2: { default: 15, lowered: 5 },
  conntrackTimeoutS: 4,
  capMs: 15_000,
  repetitions: 5,
  toleranceMs: 400,
  scale: {
    factor: 60,
    explanation:
      "Every lab time constant is a production value divided by 60: " +
      "keepalive 2 s / 1 s / 3 probes stands for 120 s / 60 s / 3, the heartbeat's " +
      "1 s interval and 3 s timeout for 60 s and 180 s, setKeepAlive's 2 s idle for 120 s, " +
      "the NAT's 4 s conntrack timeout for 240 s (Azure's load balancer). Detection times " +
      "are linear in these constants, so production time = 60 × lab time. The kernel's " +
      "retransmission timeout (200 ms minimum RTO, doubling up to 120 s) and the " +
      "namespace defaults (7200 s / 75 s / 9) are real values and are not scaled.",
  },
};

/** A fault with its label for tables. */
export interface FaultInfo {
  id: FaultId;
  label: string;
  description: string;
}

/** A mechanism with its label for tables. */
export interface MechanismInfo {
  id: MechanismId;
  label: string;
  description: string;
}

/** The faults, in report order. */
export const FAULTS: FaultInfo[] = [
  {
    id: "client_killed",
    label: "client process killed",
    description:
      "SIGKILL to the client process; its kernel closes the socket (FIN, or RST).",
  },
  {
    id: "client_vanishes",
    label: "client host vanishes",
    description:
      "The router silently drops everything between the hosts (nftables drop in " +
      "the forward hook): power loss, a pulled cable.",
  },
  {
    id: "nat_expiry_loose",
    label: "NAT mapping expires (loose)",
    description:
      "The client sits behind a masquerading router whose conntrack established " +
      "timeout is short; the connection idles; with nf_conntrack_tcp_loose=1 the router " +
      "answers late packets from the server with RST.",
  },
  {
    id: "nat_expiry_strict",
    label: "NAT mapping expires (strict)",
    description:
      "As above with nf_conntrack_tcp_loose=0 and ct state invalid drop: late " +
      "packets vanish silently, as behind a carrier-grade NAT.",
  },
  {
    id: "server_frozen",
    label: "server process frozen",
    description:
      "SIGSTOP to the server process: its kernel keeps the socket, ACKs data and " +
      "keepalive probes, but nothing answers.",
  },
];

/** The mechanisms, in report order. */
export const MECHANISMS: MechanismInfo[] = [
  {
    id: "none",
    label: "none (RTO, tcp_retries2=15)",
    description:
      "No keepalive, no heartbeat; the observing side writes once after the fault " +
      "and waits for the retransmission timeout.",
  },
  {
    id: "none_retries2",
    label: "none (RTO, tcp_retries2=5)",
    description:
      "As none, with net.ipv4.tcp_retries2 lowered in the namespace.",
  },
  {
    id: "keepalive_default",
    label: "keepalive, default sysctls",
    description:
      "SO_KEEPALIVE on; the namespace keeps the kernel defaults 7200 s / 75 s / 9.",
  },
  {
    id: "keepalive_tuned",
    label: "keepalive, tuned sysctls",
    description:
      "SO_KEEPALIVE on; tcp_keepalive_time/intvl/probes set inside the namespace " +
      "with the sysctl manager (runtime only).",
  },
  {
    id: "node_idle",
    label: "node:net setKeepAlive(true, ms)",
    description:
      "node:net under Deno: setKeepAlive(true, 2000) sets TCP_KEEPIDLE only; " +
      "interval and probe count stay the namespace defaults (75 s, 9).",
  },
  {
    id: "node20_idle",
    label: "Node 20 setKeepAlive(true, ms)",
    description:
      "The same call under Node 20 itself: libuv sets TCP_KEEPIDLE to 2 s and " +
      "forces TCP_KEEPINTVL = 1 s and TCP_KEEPCNT = 10 on the socket.",
  },
  {
    id: "heartbeat",
    label: "Lifeline heartbeat",
    description:
      "Lifeline's server and client: ping every interval, the peer is dead after " +
      "timeout without a frame.",
  },
  {
    id: "heartbeat_keepalive",
    label: "heartbeat + tuned keepalive",
    description:
      "Lifeline's heartbeat with the namespace's keepalive tuned as above.",
  },
];

/** One case to run. */
export interface CaseSpec {
  fault: FaultId;
  mechanism: MechanismId;
  observer: "server" | "client";
}

const ALL: MechanismId[] = MECHANISMS.map((m) => m.id);

/**
 * The cases of a run: every fault × mechanism that tells something (the full
 * run), or a handful that exercise every code path quickly (CI).
 *
 * @param mode `quick` or `full`.
 * @returns The cases.
 *
 * @example
 * ```ts
 * import { caseMatrix } from "./cases.ts";
 * console.log(caseMatrix("quick").length < caseMatrix("full").length); // true
 * ```
 */
export function caseMatrix(mode: "quick" | "full"): CaseSpec[] {
  if (mode === "quick") {
    return [
      {
        fault: "client_killed",
        mechanism: "keepalive_tuned",
        observer: "server",
      },
      {
        fault: "client_vanishes",
        mechanism: "keepalive_tuned",
        observer: "server",
      },
      { fault: "client_vanishes", mechanism: "heartbeat", observer: "server" },
      { fault: "nat_expiry_loose", mechanism: "none", observer: "server" },
      {
        fault: "nat_expiry_strict",
        mechanism: "keepalive_tuned",
        observer: "server",
      },
      {
        fault: "server_frozen",
        mechanism: "keepalive_tuned",
        observer: "client",
      },
      { fault: "server_frozen", mechanism: "heartbeat", observer: "client" },
    ];
  }
  const cases: CaseSpec[] = [];
  for (const fault of ["client_killed", "client_vanishes"] as const) {
    for (const mechanism of ALL) {
      cases.push({ fault, mechanism, observer: "server" });
    }
  }
  for (const fault of ["nat_expiry_loose", "nat_expiry_strict"] as const) {
    for (const mechanism of ALL) {
      cases.push({ fault, mechanism, observer: "server" });
    }
  }
  for (const mechanism of ALL) {
    if (mechanism === "none_retries2") continue; // ACKed by the frozen kernel like "none"
    cases.push({ fault: "server_frozen", mechanism, observer: "client" });
  }
  return cases;
}
