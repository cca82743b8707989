/**
 * Turns the lab's results file (`lab/results/latest.json`, shaped by
 * `lab/results_schema.ts`) into what the docs pages show: a fault ×
 * mechanism matrix, a row per case, the formula checks, the adaptive
 * heartbeat run and the list of charts. Pure functions, so the tables can be
 * tested without a browser; the VitePress data loader (`lab.data.ts`) calls
 * them at build time. No figure on the site is typed by hand.
 *
 * @module
 */

import type {
  LabCase,
  LabResults,
  MechanismId,
} from "../../lab/results_schema.ts";

/** How a matrix cell or case row turned out, for styling. */
export type Outcome = "detected" | "not-detected" | "survived" | "mixed";

/** One cell of the fault × mechanism matrix. */
export interface MatrixCell {
  /** The lab's one-line summary, e.g. `"3.15 s / 3.20 s"` (median / max). */
  text: string;
  /** How the runs turned out. */
  outcome: Outcome;
  /** The formula at production scale, e.g. `"180 s + 15 s = 3 min 15 s"`. */
  production: string;
  /** Whether every run fell inside the predicted range; null: no check. */
  matchesPrediction: boolean | null;
}

/** One row of the matrix: a mechanism, with a cell per fault (null: not run). */
export interface MatrixRow {
  /** The mechanism's id. */
  id: MechanismId;
  /** The mechanism's label. */
  label: string;
  /** What the mechanism is. */
  description: string;
  /** A cell per fault, in the order of {@linkcode LabView.faults}. */
  cells: (MatrixCell | null)[];
}

/** One measured case, with its prediction. */
export interface CaseRow {
  /** `fault/mechanism`. */
  id: string;
  /** The fault's label. */
  fault: string;
  /** The mechanism's label. */
  mechanism: string;
  /** The side that is expected to notice. */
  observer: "server" | "client";
  /** Runs, e.g. `"3"`, or `"3 (1 not detected)"`. */
  runs: string;
  /** Median detection time, or why there is none. */
  median: string;
  /** Maximum detection time, or why there is none. */
  max: string;
  /** Median and maximum in one cell: `"3.15 s / 3.20 s"`, `"survived"`, `"not detected within 15.0 s"`. */
  medianMax: string;
  /** The predicted range in lab time. */
  predicted: string;
  /** The formula with the lab's values. */
  formula: string;
  /** The formula at production values. */
  production: string;
  /** How the runs turned out. */
  outcome: Outcome;
  /** Whether every run fell inside the predicted range; null: no check. */
  matchesPrediction: boolean | null;
}

/** A measured point checked against its formula. */
export interface FormulaCheckRow {
  /** The case's labels, `fault, mechanism`. */
  label: string;
  /** The formula. */
  formula: string;
  /** The predicted range. */
  predicted: string;
  /** The measured median and maximum. */
  measured: string;
  /** Whether the measurement fell inside the prediction. */
  ok: boolean;
}

/** A chart from `docs/public/charts/`. */
export interface ChartView {
  /** The image's path on the site, e.g. `/charts/detection.svg`. */
  src: string;
  /** A caption. */
  title: string;
}

/** The adaptive heartbeat run, ready to show. */
export interface AdaptiveView {
  /** Whether the experiment ran. */
  ran: boolean;
  /** The NAT's idle timeout. */
  natTimeout: string;
  /** The interval the client settled on, or `"never settled"`. */
  settledInterval: string;
  /** When it settled. */
  settledAt: string;
  /** How long the lab watched after settling. */
  observedAfterSettle: string;
  /** Drops seen after settling. */
  dropsAfterSettle: number;
  /** Whether it settled below the NAT timeout and held. */
  ok: boolean;
  /** The client options the lab used. */
  options: string;
  /** The interval over time. */
  samples: { t: string; interval: string; event: string }[];
  /** A note from the lab, if any. */
  note: string;
}

/** Everything the pages show from one results file. */
export interface LabView {
  /** Where the figures come from. */
  meta: {
    kernel: string;
    deno: string;
    /** The day of the run, `YYYY-MM-DD`. */
    date: string;
    mode: string;
    command: string;
    duration: string;
    repetitions: number;
    cap: string;
    scaleFactor: number;
    scaleExplanation: string;
    keepaliveTuned: string;
    keepaliveDefault: string;
    heartbeat: string;
    conntrackTimeout: string;
    tcpRetries2: string;
  };
  /** The faults that were measured, in report order. */
  faults: { id: string; label: string; description: string }[];
  /** The mechanism × fault matrix. */
  matrix: MatrixRow[];
  /** One row per case, grouped by fault. */
  cases: CaseRow[];
  /** Measured points checked against their formulas. */
  formulaChecks: FormulaCheckRow[];
  /** The adaptive heartbeat experiment. */
  adaptive: AdaptiveView;
  /** The charts, in file-name order. */
  charts: ChartView[];
  /** Each case's figures by id, for quoting in prose. */
  figures: Record<
    string,
    { median: string; max: string; production: string; text: string }
  >;
}

/**
 * Formats a lab time for a table: `850 ms`, `3.15 s`, `2 min 5 s`.
 *
 * @param ms Milliseconds.
 * @returns Short text.
 *
 * @example Format detection times
 * ```ts
 * import { formatLabMs } from "./lab_view.ts";
 * console.log(formatLabMs(850)); // "850 ms"
 * console.log(formatLabMs(3150)); // "3.15 s"
 * console.log(formatLabMs(125_000)); // "2 min 5 s"
 * ```
 */
export function formatLabMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  }
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (seconds > 0) parts.push(`${seconds} s`);
  return parts.join(" ");
}

/**
 * Makes a caption for a chart from its SVG (`<title>` or `aria-label`) or,
 * failing that, from its file name.
 *
 * @param fileName The chart's file name, e.g. `detection_times.svg`.
 * @param svg The SVG's text.
 * @returns A caption.
 *
 * @example Caption from the file name
 * ```ts
 * import { chartTitle } from "./lab_view.ts";
 * console.log(chartTitle("detection_times.svg", "<svg></svg>")); // "Detection times"
 * ```
 */
export function chartTitle(fileName: string, svg: string): string {
  const fromSvg = svg.match(/<title[^>]*>([^<]+)<\/title>/)?.[1] ??
    svg.match(/<svg[^>]*\saria-label="([^"]+)"/)?.[1];
  if (fromSvg !== undefined && fromSvg.trim() !== "") {
    return unescapeXml(fromSvg.trim());
  }
  const words = fileName.replace(/\.svg$/i, "").replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function unescapeXml(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"').replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

function outcomeOf(item: LabCase): Outcome {
  const { runs, detected, notDetected, survived } = item.summary;
  if (runs > 0 && survived === runs) return "survived";
  if (runs > 0 && detected === runs) return "detected";
  if (runs > 0 && notDetected === runs) return "not-detected";
  return "mixed";
}

function range(min: number | null, max: number | null): string {
  if (min === null && max === null) return "never";
  if (max === null) return `≥ ${formatLabMs(min!)}`;
  if (min === null || min === max) return formatLabMs(max);
  return `${formatLabMs(min)} – ${formatLabMs(max)}`;
}

function keepaliveText(k: { time: number; intvl: number; probes: number }) {
  return `time ${k.time} s, intvl ${k.intvl} s, probes ${k.probes}`;
}

/**
 * Builds everything the pages show from a validated results file.
 *
 * @param results The parsed `latest.json` (see `parseLabResults`).
 * @param charts The chart files found in `docs/public/charts/`, with their
 * SVG text (used for captions).
 * @returns The view.
 *
 * @example Build the view of a results file
 * ```ts ignore
 * import { parseLabResults } from "../../lab/results_schema.ts";
 * import { buildLabView } from "./lab_view.ts";
 * const results = parseLabResults(JSON.parse(
 *   await Deno.readTextFile("lab/results/latest.json"),
 * ));
 * console.log(buildLabView(results, []).matrix.length);
 * ```
 */
export function buildLabView(
  results: LabResults,
  charts: { fileName: string; svg: string }[],
): LabView {
  const p = results.parameters;
  const faultLabel = new Map(results.faults.map((f) => [f.id, f.label]));
  const mechanismLabel = new Map(
    results.mechanisms.map((m) => [m.id, m.label]),
  );
  const byId = new Map(results.cases.map((c) => [c.id, c]));

  const measuredFaults = results.faults.filter((f) =>
    results.cases.some((c) => c.fault === f.id)
  );
  const matrix: MatrixRow[] = results.mechanisms
    .filter((m) => results.cases.some((c) => c.mechanism === m.id))
    .map((m) => ({
      id: m.id,
      label: m.label,
      description: m.description,
      cells: measuredFaults.map((f) => {
        const item = byId.get(`${f.id}/${m.id}`) ??
          results.cases.find((c) => c.fault === f.id && c.mechanism === m.id);
        if (item === undefined) return null;
        return {
          text: item.summary.text,
          outcome: outcomeOf(item),
          production: item.predicted.production,
          matchesPrediction: item.summary.matchesPrediction,
        };
      }),
    }));

  const faultOrder = results.faults.map((f) => f.id as string);
  const mechanismOrder = results.mechanisms.map((m) => m.id as string);
  const sorted = [...results.cases].sort((a, b) =>
    faultOrder.indexOf(a.fault) - faultOrder.indexOf(b.fault) ||
    mechanismOrder.indexOf(a.mechanism) - mechanismOrder.indexOf(b.mechanism)
  );
  const cases: CaseRow[] = sorted.map((c) => {
    const s = c.summary;
    const outcome = outcomeOf(c);
    const missing = outcome === "survived"
      ? "survived"
      : `> ${formatLabMs(p.capMs)}`;
    const extra: string[] = [];
    if (s.notDetected > 0) extra.push(`${s.notDetected} not detected`);
    if (s.survived > 0 && outcome !== "survived") {
      extra.push(`${s.survived} survived`);
    }
    return {
      id: c.id,
      fault: faultLabel.get(c.fault) ?? c.fault,
      mechanism: mechanismLabel.get(c.mechanism) ?? c.mechanism,
      observer: c.observer,
      runs: extra.length > 0 ? `${s.runs} (${extra.join(", ")})` : `${s.runs}`,
      median: s.medianMs === null ? missing : formatLabMs(s.medianMs),
      max: s.maxMs === null ? missing : formatLabMs(s.maxMs),
      medianMax: outcome === "survived"
        ? "survived"
        : outcome === "not-detected"
        ? `not detected within ${formatLabMs(p.capMs)}`
        : `${s.medianMs === null ? missing : formatLabMs(s.medianMs)} / ${
          s.maxMs === null ? missing : formatLabMs(s.maxMs)
        }`,
      predicted: c.predicted.survives
        ? "survives"
        : range(c.predicted.minMs, c.predicted.maxMs),
      formula: c.predicted.formula,
      production: c.predicted.production,
      outcome,
      matchesPrediction: s.matchesPrediction,
    };
  });

  const figures: LabView["figures"] = {};
  for (const row of cases) {
    figures[row.id] = {
      median: row.median,
      max: row.max,
      production: row.production,
      text: byId.get(row.id)?.summary.text ?? "",
    };
  }

  const formulaChecks: FormulaCheckRow[] = results.formulaChecks.map((f) => {
    const item = byId.get(f.caseId);
    const label = item === undefined
      ? f.caseId
      : `${faultLabel.get(item.fault) ?? item.fault}, ${
        mechanismLabel.get(item.mechanism) ?? item.mechanism
      }`;
    return {
      label,
      formula: f.formula,
      predicted: range(f.predictedMinMs, f.predictedMaxMs),
      measured: f.measuredMedianMs === null
        ? "not detected"
        : `${formatLabMs(f.measuredMedianMs)} / ${
          f.measuredMaxMs === null ? "—" : formatLabMs(f.measuredMaxMs)
        }`,
      ok: f.ok,
    };
  });

  const a = results.adaptive;
  const adaptive: AdaptiveView = {
    ran: a.ran,
    natTimeout: formatLabMs(a.natTimeoutMs),
    settledInterval: a.settledIntervalMs === null
      ? "never settled"
      : formatLabMs(a.settledIntervalMs),
    settledAt: a.settledAtMs === null ? "—" : formatLabMs(a.settledAtMs),
    observedAfterSettle: formatLabMs(a.observedAfterSettleMs),
    dropsAfterSettle: a.dropsAfterSettle,
    ok: a.ok,
    options: Object.entries(a.options).map(([k, v]) => `${k}=${v}`).join(" "),
    samples: a.samples.map((s) => ({
      t: formatLabMs(s.tMs),
      interval: formatLabMs(s.intervalMs),
      event: s.event,
    })),
    note: a.note ?? "",
  };

  return {
    meta: {
      kernel: results.kernel,
      deno: results.deno,
      date: results.generatedAt.slice(0, 10),
      mode: results.mode,
      command: results.command,
      duration: formatLabMs(results.durationMs),
      repetitions: p.repetitions,
      cap: formatLabMs(p.capMs),
      scaleFactor: p.scale.factor,
      scaleExplanation: p.scale.explanation,
      keepaliveTuned: keepaliveText(p.keepaliveTuned),
      keepaliveDefault: keepaliveText(p.keepaliveDefault),
      heartbeat: `interval ${formatLabMs(p.heartbeat.intervalMs)}, timeout ${
        formatLabMs(p.heartbeat.timeoutMs)
      }, tick ${formatLabMs(p.heartbeat.tickMs)}`,
      conntrackTimeout: `${p.conntrackTimeoutS} s`,
      tcpRetries2:
        `${p.tcpRetries2.default} (default), ${p.tcpRetries2.lowered} (lowered)`,
    },
    faults: measuredFaults.map((f) => ({ ...f })),
    matrix,
    cases,
    formulaChecks,
    adaptive,
    charts: [...charts]
      .sort((x, y) => x.fileName.localeCompare(y.fileName))
      .map((c) => ({
        src: `/charts/${c.fileName}`,
        title: chartTitle(c.fileName, c.svg),
      })),
    figures,
  };
}
