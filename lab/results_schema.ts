/**
 * The shape of `lab/results/latest.json`, the liveness lab's output, as a zod
 * schema. The docs site renders its tables and charts from a file of this
 * shape; `deno task lab` validates what it writes against it.
 *
 * Times are milliseconds. A detection time of `null` means "not detected
 * within the cap" (`parameters.capMs`), never "zero" or "unknown".
 *
 * @example Validate a results file
 * ```ts
 * import { parseLabResults } from "./results_schema.ts";
 * const text = await Deno.readTextFile(
 *   new URL("./results/latest.json", import.meta.url),
 * );
 * const results = parseLabResults(JSON.parse(text));
 * console.log(results.kernel, results.cases.length);
 * ```
 *
 * @module
 */

import { z } from "zod";

/** Identifiers of the injected faults, in the order the lab reports them. */
export const FAULT_IDS = [
  "client_killed",
  "client_vanishes",
  "nat_expiry_loose",
  "nat_expiry_strict",
  "server_frozen",
] as const;

/** Identifiers of the liveness mechanisms, in the order the lab reports them. */
export const MECHANISM_IDS = [
  "none",
  "none_retries2",
  "keepalive_default",
  "keepalive_tuned",
  "node_idle",
  "node20_idle",
  "heartbeat",
  "heartbeat_keepalive",
] as const;

/** A fault the lab injects. */
export type FaultId = typeof FAULT_IDS[number];
/** A liveness mechanism the lab measures. */
export type MechanismId = typeof MECHANISM_IDS[number];

const Ms = z.number().nonnegative();

/** One side's view of one run: when (if ever) it noticed the peer was gone. */
const DetectionSchema = z.object({
  /** Milliseconds from the fault to the moment this side noticed; null: not within the cap. */
  ms: Ms.nullable(),
  /** How it noticed: "EOF", "ECONNRESET", "ETIMEDOUT", "heartbeat timeout", ... or null. */
  how: z.string().nullable(),
});

/** One repetition of one case. */
const RunSchema = z.object({
  repetition: z.number().int().nonnegative(),
  /** ISO 8601 time the fault was injected. */
  faultAt: z.string(),
  /**
   * `detected`: the observer noticed within the cap; `not_detected`: it did
   * not; `survived`: the connection still carried data at the end (the
   * mechanism prevented the fault, e.g. kept a NAT mapping alive).
   */
  outcome: z.enum(["detected", "not_detected", "survived"]),
  /** The observer's detection time (same as `server.ms` or `client.ms`). */
  detectionMs: Ms.nullable(),
  server: DetectionSchema,
  client: DetectionSchema,
  /** Free-form notes, e.g. "RST from router". */
  note: z.string().optional(),
});

/** The time a formula predicts for a case, as a range. */
const PredictionSchema = z.object({
  /** Earliest predicted detection after the fault; null: never. */
  minMs: Ms.nullable(),
  /** Latest predicted detection after the fault; null: never (not detected within any cap). */
  maxMs: Ms.nullable(),
  /** The formula with the lab's values, e.g. "time + probes × intvl = 2 s + 3 × 1 s". */
  formula: z.string(),
  /** The same formula at production values (scaled back up), e.g. "7200 s + 9 × 75 s = 2 h 11 min 15 s". */
  production: z.string(),
  /** The production value in ms (the max of the range); null: never. */
  productionMs: Ms.nullable(),
  /** True when the mechanism is expected to keep the connection alive (no fault). */
  survives: z.boolean().default(false),
});

/** Median and maximum of a case over its repetitions. */
const SummarySchema = z.object({
  runs: z.number().int().nonnegative(),
  detected: z.number().int().nonnegative(),
  notDetected: z.number().int().nonnegative(),
  survived: z.number().int().nonnegative(),
  /** Median detection time; null when the median run was not detected within the cap (or survived). */
  medianMs: Ms.nullable(),
  /** Maximum detection time; null when any run was not detected within the cap. */
  maxMs: Ms.nullable(),
  minMs: Ms.nullable(),
  /** One line for a table cell: "1.02 s / 1.10 s", "not detected within 20 s", "survived". */
  text: z.string(),
  /** Whether every run fell inside the predicted range (with a tolerance); null: no prediction to check. */
  matchesPrediction: z.boolean().nullable(),
});

/** One fault × mechanism combination with its runs. */
const CaseSchema = z.object({
  /** `${fault}/${mechanism}` */
  id: z.string(),
  fault: z.enum(FAULT_IDS),
  mechanism: z.enum(MECHANISM_IDS),
  /** Which side is expected to notice: the server for a dead client, the client for a frozen server. */
  observer: z.enum(["server", "client"]),
  predicted: PredictionSchema,
  runs: z.array(RunSchema),
  summary: SummarySchema,
});

/** One sample of the adaptive heartbeat interval. */
const AdaptiveSampleSchema = z.object({
  /** Milliseconds since the client started. */
  tMs: Ms,
  /** The heartbeat interval the client uses from now on. */
  intervalMs: Ms,
  /** What happened: "start", "grow", "loss", "backoff", "settled", "reset", "reconnect", ... */
  event: z.string(),
});

/** The adaptive heartbeat experiment behind the lab's NAT. */
const AdaptiveSchema = z.object({
  /** Whether the experiment ran (false: skipped with `--no-adaptive`, or it failed; see `note`). */
  ran: z.boolean(),
  natTimeoutMs: Ms,
  /** The client options used (scaled constants), as passed on the command line. */
  options: z.record(z.string(), z.union([z.string(), z.number()])),
  samples: z.array(AdaptiveSampleSchema),
  /** The interval the client settled on; null if it never settled. */
  settledIntervalMs: Ms.nullable(),
  /** Milliseconds after start when it settled; null if never. */
  settledAtMs: Ms.nullable(),
  /** How long the lab kept watching after settling. */
  observedAfterSettleMs: Ms,
  /** Disconnects or reconnects seen after settling (0 proves the settled interval holds). */
  dropsAfterSettle: z.number().int().nonnegative(),
  /** True when settled < NAT timeout and no drop after settling. */
  ok: z.boolean(),
  note: z.string().optional(),
});

/** A measured point checked against its formula. */
const FormulaCheckSchema = z.object({
  caseId: z.string(),
  formula: z.string(),
  predictedMinMs: Ms.nullable(),
  predictedMaxMs: Ms.nullable(),
  measuredMedianMs: Ms.nullable(),
  measuredMaxMs: Ms.nullable(),
  ok: z.boolean(),
});

/** Keepalive's three sysctls, in seconds: `tcp_keepalive_time`, `_intvl`, `_probes`. */
const KeepaliveSchema = z.object({
  time: z.number(),
  intvl: z.number(),
  probes: z.number(),
});

/** An entry of the list of faults or of mechanisms, in report order. */
function labelled<T extends readonly [string, ...string[]]>(ids: T) {
  return z.array(
    z.object({ id: z.enum(ids), label: z.string(), description: z.string() }),
  );
}

/** The lab's parameters (the scaled-down constants). */
const ParametersSchema = z.object({
  /** Namespace defaults of a fresh network namespace. */
  keepaliveDefault: KeepaliveSchema,
  /** Tuned keepalive in seconds (scaled down). */
  keepaliveTuned: KeepaliveSchema,
  /** Per-socket idle of `setKeepAlive(true, ms)` under Deno's node:net. */
  nodeIdleMs: Ms,
  heartbeat: z.object({ intervalMs: Ms, timeoutMs: Ms, tickMs: Ms }),
  tcpRetries2: z.object({
    default: z.number().int(),
    lowered: z.number().int(),
  }),
  /** nf_conntrack_tcp_timeout_established in the router, seconds. */
  conntrackTimeoutS: z.number(),
  /** How long a case waits for detection before it records "not detected". */
  capMs: Ms,
  repetitions: z.number().int().positive(),
  /** Tolerance used when comparing measured against predicted. */
  toleranceMs: Ms,
  /** The factor that turns lab times into production times, and how. */
  scale: z.object({ factor: z.number(), explanation: z.string() }),
});

/** The whole results file. */
export const LabResultsSchema = z.object({
  schemaVersion: z.literal(1),
  /** ISO 8601 time the run finished. */
  generatedAt: z.string(),
  /** `uname -r` */
  kernel: z.string(),
  deno: z.string(),
  /** `quick` (CI) or `full`. */
  mode: z.enum(["quick", "full"]),
  /** Wall-clock duration of the run. */
  durationMs: Ms,
  /** The command that produced the file. */
  command: z.string(),
  parameters: ParametersSchema,
  faults: labelled(FAULT_IDS),
  mechanisms: labelled(MECHANISM_IDS),
  cases: z.array(CaseSchema),
  formulaChecks: z.array(FormulaCheckSchema),
  adaptive: AdaptiveSchema,
});

/** A parsed results file. */
export type LabResults = z.infer<typeof LabResultsSchema>;
/** One fault × mechanism case of a results file. */
export type LabCase = z.infer<typeof CaseSchema>;
/** One repetition of a case. */
export type LabRun = z.infer<typeof RunSchema>;
/** A case's median/max summary. */
export type LabSummary = z.infer<typeof SummarySchema>;
/** A predicted range for a case. */
export type LabPrediction = z.infer<typeof PredictionSchema>;
/** The adaptive heartbeat experiment. */
export type LabAdaptive = z.infer<typeof AdaptiveSchema>;
/** The lab's parameters. */
export type LabParameters = z.infer<typeof ParametersSchema>;
/** A formula check. */
export type LabFormulaCheck = z.infer<typeof FormulaCheckSchema>;

/**
 * Validates a parsed results file and returns it typed.
 *
 * @param value The parsed JSON.
 * @returns The results, with defaults filled in.
 * @throws {z.ZodError} When the value does not have the results shape.
 *
 * @example Reject a value of the wrong shape
 * ```ts
 * import { parseLabResults } from "./results_schema.ts";
 * try {
 *   parseLabResults({ schemaVersion: 2 });
 * } catch (error) {
 *   console.log((error as Error).name); // "ZodError"
 * }
 * ```
 */
export function parseLabResults(value: unknown): LabResults {
  return LabResultsSchema.parse(value);
}
