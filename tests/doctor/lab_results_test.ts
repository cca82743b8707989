/**
 * The doctor's numbers are the lab's: this feeds the lab's own latest
 * results (`lab/results/latest.json`, times at the lab's scale) to the
 * doctor, as the lab's settings on the command line and a stand-in procfs,
 * and checks that for every case the doctor's predicted range contains the
 * measured median (within the lab's tolerance), that what the lab saw
 * survive the doctor says is kept alive, and that what the lab did not see
 * within its cap the doctor does not expect before it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { firstDetection } from "../../detection/mod.ts";
import type { Detection, DetectionRange } from "../../detection/mod.ts";
import { ROUND_TRIP_BOUND_MS } from "../../lab/formula.ts";
import {
  type FaultId,
  type LabCase,
  type LabParameters,
  type MechanismId,
  parseLabResults,
} from "../../lab/results_schema.ts";
import type { KeepaliveSettings } from "../../sysctl/mod.ts";
import { runDeno } from "../_helpers/run.ts";
import { fakeProc } from "./_helpers.ts";

const results = parseLabResults(
  JSON.parse(
    await Deno.readTextFile(
      new URL("../../lab/results/latest.json", import.meta.url),
    ),
  ),
);

const TABLE: Record<FaultId, string> = {
  client_killed: "peer_killed",
  client_vanishes: "peer_vanished",
  nat_expiry_loose: "mapping_expired",
  nat_expiry_strict: "mapping_expired",
  server_frozen: "peer_frozen",
};

/** What the lab runs for a mechanism, as the doctor's flags and kernel. */
interface Setup {
  keepalive: KeepaliveSettings;
  retries2: number;
  heartbeat: boolean;
  rows: string[];
}

function setupOf(m: MechanismId, p: LabParameters): Setup {
  const kd = p.keepaliveDefault;
  const idle = p.nodeIdleMs / 1000;
  const base = {
    keepalive: kd,
    retries2: p.tcpRetries2.default,
    heartbeat: false,
  };
  switch (m) {
    case "none":
      return { ...base, rows: ["rto"] };
    case "none_retries2":
      return { ...base, retries2: p.tcpRetries2.lowered, rows: ["rto"] };
    case "keepalive_default":
      return { ...base, rows: ["keepalive"] };
    case "keepalive_tuned":
      return { ...base, keepalive: p.keepaliveTuned, rows: ["keepalive"] };
    case "node_idle":
      return { ...base, keepalive: { ...kd, time: idle }, rows: ["keepalive"] };
    case "node20_idle":
      return {
        ...base,
        keepalive: { time: idle, intvl: 1, probes: 10 },
        rows: ["keepalive"],
      };
    case "heartbeat":
      return { ...base, heartbeat: true, rows: ["heartbeat"] };
    case "heartbeat_keepalive":
      return {
        ...base,
        keepalive: p.keepaliveTuned,
        heartbeat: true,
        rows: ["heartbeat", "keepalive"],
      };
  }
}

interface Table {
  fault: string;
  rows: { mechanism: string; detection: Detection }[];
}

async function doctorTables(
  setup: Setup,
  natPath: string,
  p: LabParameters,
): Promise<Table[]> {
  await using t = await fakeProc(setup.keepalive, setup.retries2);
  const hb = p.heartbeat;
  const output = await runDeno("doctor/main.ts", [
    ...(setup.heartbeat
      ? [
        "--interval",
        `${hb.intervalMs}ms`,
        "--timeout",
        `${hb.timeoutMs}ms`,
        "--tick",
        `${hb.tickMs}ms`,
      ]
      : ["--no-heartbeat"]),
    "--path",
    natPath,
    "--rtt",
    `${ROUND_TRIP_BOUND_MS}ms`,
    "--proc",
    t.proc,
    "--root",
    t.root,
    "--json",
  ]);
  assert.ok(output.code === 0 || output.code === 1, output.stderr);
  return JSON.parse(output.stdout).tables;
}

/** Why the doctor's prediction does not contain the case's measurement, if it does not. */
function mismatch(
  c: LabCase,
  detections: Detection[],
  p: LabParameters,
): string | undefined {
  const tol = p.toleranceMs;
  const kept = detections.some((d) => d.outcome === "kept_alive");
  const survived = c.summary.runs > 0 && c.summary.survived === c.summary.runs;
  if (kept || survived) {
    return kept === survived
      ? undefined
      : `the lab saw ${survived ? "" : "no "}survival, the doctor predicts ${
        kept ? "" : "no "
      }keep-alive`;
  }
  const ranges = detections.filter((d) =>
    d.outcome === "detected"
  ) as (DetectionRange & { outcome: "detected" })[];
  const first = firstDetection(ranges);
  const median = c.summary.medianMs;
  if (median === null) {
    // Not seen within the cap: fine if the doctor allows a time past it.
    return first === undefined || first.maxMs > p.capMs - tol
      ? undefined
      : `not detected within ${p.capMs} ms, the doctor predicts at most ${first.maxMs} ms`;
  }
  if (first === undefined) {
    return `measured ${median} ms, the doctor predicts never`;
  }
  return median >= first.minMs - tol && median <= first.maxMs + tol
    ? undefined
    : `measured ${median} ms, the doctor predicts ${first.minMs}–${first.maxMs} ms`;
}

Deno.test("the doctor's predicted ranges contain the lab's measured medians, case by case", async () => {
  const p = results.parameters;
  const nat = `${p.conntrackTimeoutS}s`;
  const cache = new Map<string, Promise<Table[]>>();
  const tablesFor = (m: MechanismId, loose: boolean) => {
    const key = `${m}/${loose}`;
    if (!cache.has(key)) {
      cache.set(
        key,
        doctorTables(setupOf(m, p), loose ? `${nat}:rst` : nat, p),
      );
    }
    return cache.get(key)!;
  };
  const problems: string[] = [];
  let compared = 0;
  for (const c of results.cases) {
    const setup = setupOf(c.mechanism, p);
    const tables = await tablesFor(
      c.mechanism,
      c.fault === "nat_expiry_loose",
    );
    const table = tables.find((t) => t.fault === TABLE[c.fault]);
    assert.ok(table !== undefined, c.id);
    const detections = setup.rows.map((id) =>
      table.rows.find((row) => row.mechanism === id)!.detection
    );
    const problem = mismatch(c, detections, p);
    if (problem !== undefined) problems.push(`${c.id}: ${problem}`);
    compared++;
  }
  assert.deepEqual(problems, []);
  // Every case the lab measured, 18 of them with a median.
  assert.equal(compared, results.cases.length);
  assert.ok(compared >= 39, `${compared}`);
  assert.ok(
    results.cases.filter((c) => c.summary.medianMs !== null).length >= 15,
  );
});

Deno.test("the comparison fails when the doctor's numbers drift from the lab's", () => {
  const p = results.parameters;
  const c = results.cases.find((c) =>
    c.id === "client_vanishes/keepalive_tuned"
  )!;
  assert.ok(c.summary.medianMs !== null);
  // A formula that forgot the idle time (probes × intvl only) misses the median.
  const wrong: Detection = {
    outcome: "detected",
    minMs: 0,
    maxMs: p.keepaliveTuned.probes * p.keepaliveTuned.intvl * 1000 -
      2 * p.toleranceMs,
  };
  assert.match(
    mismatch(c, [wrong], p) ?? "",
    /^measured \d+ ms, the doctor predicts/,
  );
});
