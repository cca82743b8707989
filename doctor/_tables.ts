/**
 * One table per failure mode: for each mechanism watching the connection,
 * when it notices (from the fault model of `detection/`), which one
 * notices first, and for an expired mapping, whether each mechanism's
 * traffic keeps the path alive. Internal to `doctor/`.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import {
  detect,
  type Detection,
  type Fault,
  FAULTS,
  keepsAlive,
  trafficPeriodMs,
} from "../detection/mod.ts";
import {
  type DoctorInput,
  type MechanismId,
  mechanismsOf,
} from "./_mechanisms.ts";
import type { PathEntry } from "./_presets.ts";

/** One mechanism's line in a table. */
export interface MechanismRow {
  /** The mechanism. */
  mechanism: MechanismId;
  /** Its label with its settings. */
  label: string;
  /** What it does about the fault. */
  detection: Detection;
  /** When it applies only under a condition: `after the server's next write`. */
  condition?: string;
  /** For an expired mapping: how often it sends on an idle connection, in ms. */
  periodMs?: number;
  /** For an expired mapping: whether its traffic keeps every middlebox alive. */
  keepsPathAlive?: boolean;
}

/** The table of one failure mode. */
export interface FaultTable {
  /** The failure mode. */
  fault: Fault;
  /** Its title, for people. */
  title: string;
  /** Which side should notice. */
  observer: "server" | "client";
  /** For an expired mapping: the middlebox whose expiry the rows are timed against. */
  middlebox?: string;
  /** One row per mechanism. */
  rows: MechanismRow[];
  /** The mechanisms that notice first, and their worst case, in ms. */
  first?: { mechanisms: MechanismId[]; maxMs: number };
  /** For an expired mapping: the mechanisms whose traffic keeps the whole path alive. */
  keptAliveBy?: MechanismId[];
  /** One line that sums the table up. */
  verdict: string;
}

const TITLES: Record<Fault, string> = {
  peer_killed: "Peer process killed: the server notices a client that died",
  peer_vanished:
    "Peer host vanished: the server notices a client that is gone without a word",
  mapping_expired:
    "NAT/LB mapping expired: the server notices a connection a middlebox forgot",
  peer_frozen:
    "Peer process frozen: the client notices a server that stopped but whose kernel answers",
};

const WRITE_CONDITION = "only once the server writes to it";

/** The rows that notice first: unconditional ones if any notice, else the rest. */
function firstOf(rows: MechanismRow[]): FaultTable["first"] {
  const timed = (list: MechanismRow[]) =>
    list.filter((row) => row.detection.outcome === "detected");
  let candidates = timed(rows.filter((row) => row.condition === undefined));
  if (candidates.length === 0) candidates = timed(rows);
  if (candidates.length === 0) return undefined;
  const worst = (row: MechanismRow) =>
    row.detection.outcome === "detected" ? row.detection.maxMs : Infinity;
  const maxMs = Math.min(...candidates.map(worst));
  return {
    mechanisms: candidates.filter((row) => worst(row) === maxMs).map((row) =>
      row.mechanism
    ),
    maxMs,
  };
}

function describeFirst(table: FaultTable): string {
  const first = table.first;
  if (first === undefined) {
    return "nothing notices: the frozen side's kernel still acknowledges data and keepalive probes";
  }
  const all = first.mechanisms.length === table.rows.length;
  const who = all ? "every mechanism" : first.mechanisms.join(" and ");
  const conditional = table.rows.find((row) =>
    first.mechanisms.includes(row.mechanism) && row.condition !== undefined
  );
  return `first: ${who}, within ${formatDuration(first.maxMs)}${
    conditional ? ` (${conditional.condition})` : ""
  }`;
}

function mappingTable(input: DoctorInput): FaultTable {
  const mechanisms = mechanismsOf(input);
  const path = [...input.path].sort((a, b) => a.idleMs - b.idleMs);
  const keptBy = (box: PathEntry) =>
    mechanisms.filter((m) => keepsAlive(m.mechanism, box));
  const weak = path.find((box) => keptBy(box).length === 0);
  const target = weak ?? path[0];
  const rows: MechanismRow[] = mechanisms.map((m) => ({
    mechanism: m.id,
    label: m.label,
    detection: detect("mapping_expired", m.mechanism, {
      roundTripMs: input.roundTripMs,
      middlebox: target,
    }),
    ...(m.id === "rto" ? { condition: WRITE_CONDITION } : {}),
    ...(trafficPeriodMs(m.mechanism) === undefined
      ? {}
      : { periodMs: trafficPeriodMs(m.mechanism) }),
    keepsPathAlive: path.every((box) => keepsAlive(m.mechanism, box)),
  }));
  const keptAliveBy = rows.filter((row) => row.keepsPathAlive).map((row) =>
    row.mechanism
  );
  const table: FaultTable = {
    fault: "mapping_expired",
    title: TITLES.mapping_expired,
    observer: "server",
    middlebox: target.id,
    rows,
    keptAliveBy,
    verdict: "",
  };
  if (weak === undefined) {
    table.verdict = `does not happen while the connection is healthy: ${
      keptAliveBy.length > 0
        ? `the traffic of the ${
          keptAliveBy.join(" and ")
        } keeps every middlebox alive`
        : "every middlebox is kept alive by one mechanism or another"
    }`;
    return table;
  }
  table.first = firstOf(rows);
  table.verdict = `${weak.id} forgets an idle connection after ${
    formatDuration(weak.idleMs)
  }, and nothing sends that often; then ${describeFirst(table)}`;
  return table;
}

function faultTable(fault: Fault, input: DoctorInput): FaultTable {
  const rows: MechanismRow[] = mechanismsOf(input).map((m) => ({
    mechanism: m.id,
    label: m.label,
    detection: detect(fault, m.mechanism, { roundTripMs: input.roundTripMs }),
    ...(m.id === "rto" && fault === "peer_vanished"
      ? { condition: WRITE_CONDITION }
      : {}),
  }));
  const table: FaultTable = {
    fault,
    title: TITLES[fault],
    observer: fault === "peer_frozen" ? "client" : "server",
    rows,
    verdict: "",
  };
  table.first = firstOf(rows);
  table.verdict = fault === "peer_killed"
    ? `every mechanism notices within a round trip: the dead process's kernel sends FIN or RST`
    : describeFirst(table);
  return table;
}

/**
 * Builds the table of every failure mode. Without a middlebox on the path
 * (`--path`), there is no table for an expired mapping.
 *
 * @param input The diagnosis input.
 * @returns The tables, in the order of `FAULTS`.
 *
 * @example The server's defaults behind an AWS NLB
 * ```ts
 * import { faultTables } from "./_tables.ts";
 * import { serverPolicy } from "./_policy.ts";
 * import { parsePathEntry } from "./_presets.ts";
 * const kernel = { runtime: { time: 7200, intvl: 75, probes: 9 }, retries2: 15, retries2Read: true, namespace: {} };
 * const tables = faultTables({
 *   policy: serverPolicy(5000, 15000), roundTripMs: 1000, path: [parsePathEntry("aws-nlb")], kernel,
 * });
 * console.log(tables.map((t) => t.first?.mechanisms ?? t.keptAliveBy));
 * // [ [ "rto", "keepalive", "heartbeat" ], [ "heartbeat" ], [ "heartbeat" ], [ "heartbeat" ] ]
 * ```
 */
export function faultTables(input: DoctorInput): FaultTable[] {
  return FAULTS.filter((fault) =>
    fault !== "mapping_expired" || input.path.length > 0
  ).map((fault) =>
    fault === "mapping_expired" ? mappingTable(input) : faultTable(fault, input)
  );
}
