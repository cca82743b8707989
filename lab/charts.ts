/**
 * SVG charts generated from the lab's results with vega-lite and vega, with
 * no browser: detection time by fault × mechanism (log scale), the same
 * scaled back up to production values, and the adaptive heartbeat's interval
 * over time.
 *
 * @module
 */

import * as vega from "vega";
import * as vegaLite from "vega-lite";
import { join } from "node:path";
import type { LabResults } from "./results_schema.ts";
import { formatMs } from "./stats.ts";

/** A vega-lite specification (kept loose: vega-lite's own type is huge). */
export type ChartSpec = Record<string, unknown>;

/**
 * Renders a vega-lite specification to an SVG string, headless.
 *
 * @param spec The vega-lite specification.
 * @returns The SVG markup.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./charts.ts";
 * const svg = await renderSvg({
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: "point",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  // deno-lint-ignore no-explicit-any
  const compiled = vegaLite.compile(spec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One row of the detection chart's data. */
export interface DetectionRow {
  fault: string;
  mechanism: string;
  /** Seconds (the cap for "not detected" and "survived"). */
  seconds: number;
  maxSeconds: number;
  status: "detected" | "not detected within cap" | "survived (kept alive)";
  /** The predicted range in seconds, clipped to the chart; null when "never" or "survives". */
  predictedMin: number | null;
  predictedMax: number | null;
}

/**
 * The rows the detection chart plots: one per case, its median in seconds
 * (at least 1 ms, for the log scale), a case with no detection placed at the
 * cap with its status.
 *
 * @param results The lab's results.
 * @returns The rows.
 *
 * @example
 * ```ts ignore
 * import { detectionRows } from "./charts.ts";
 * console.log(detectionRows(results).length === results.cases.length);
 * ```
 */
export function detectionRows(results: LabResults): DetectionRow[] {
  const fault = new Map(results.faults.map((f) => [f.id, f.label]));
  const mechanism = new Map(results.mechanisms.map((m) => [m.id, m.label]));
  const cap = results.parameters.capMs / 1000;
  return results.cases.filter((c) => c.runs.length > 0).map((c) => {
    const s = c.summary;
    const status: DetectionRow["status"] = s.survived * 2 > s.runs
      ? "survived (kept alive)"
      : s.medianMs === null
      ? "not detected within cap"
      : "detected";
    const seconds = status === "detected"
      ? Math.max(s.medianMs! / 1000, 0.001)
      : cap;
    return {
      fault: fault.get(c.fault) ?? c.fault,
      mechanism: mechanism.get(c.mechanism) ?? c.mechanism,
      seconds,
      maxSeconds: status === "detected"
        ? Math.max((s.maxMs ?? results.parameters.capMs) / 1000, 0.001)
        : cap,
      status,
      ...predictedSeconds(c.predicted.minMs, c.predicted.maxMs, cap),
    };
  });
}

function predictedSeconds(
  minMs: number | null,
  maxMs: number | null,
  cap: number,
): { predictedMin: number | null; predictedMax: number | null } {
  if (minMs === null || minMs / 1000 > cap) {
    return { predictedMin: null, predictedMax: null };
  }
  const top = cap * 1.5;
  return {
    predictedMin: Math.min(Math.max(minMs / 1000, 0.001), top),
    predictedMax: Math.min(Math.max((maxMs ?? minMs) / 1000, 0.0015), top),
  };
}

/**
 * The vega-lite specification of the detection chart.
 *
 * @param results The lab's results.
 * @returns The specification.
 *
 * @example Render it
 * ```ts ignore
 * import { detectionSpec, renderSvg } from "./charts.ts";
 * const svg = await renderSvg(detectionSpec(results));
 * ```
 */
export function detectionSpec(results: LabResults): ChartSpec {
  const cap = results.parameters.capMs / 1000;
  const rows = detectionRows(results);
  const statuses = [
    "detected",
    "not detected within cap",
    "survived (kept alive)",
  ];
  const byStatus = (range: string[]) => ({
    field: "status",
    type: "nominal",
    scale: { domain: statuses, range },
    legend: { orient: "bottom", title: null, labelLimit: 300 },
  });
  const mechanismAxis = {
    field: "mechanism",
    type: "nominal",
    sort: results.mechanisms.map((m) => m.label),
  };
  const panel = (fault: string): ChartSpec => ({
    title: { text: fault, anchor: "start", fontSize: 12 },
    width: 460,
    height: { step: 16 },
    data: { values: rows.filter((r) => r.fault === fault) },
    layer: [
      {
        transform: [{ filter: "datum.predictedMin != null" }],
        mark: { type: "bar", color: "#bbb", opacity: 0.45, height: 10 },
        encoding: {
          x: { field: "predictedMin", type: "quantitative" },
          x2: { field: "predictedMax" },
          y: mechanismAxis,
        },
      },
      {
        mark: { type: "rule", color: "#999" },
        encoding: {
          x: { field: "seconds", type: "quantitative" },
          x2: { field: "maxSeconds" },
          y: mechanismAxis,
        },
      },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          x: {
            field: "seconds",
            type: "quantitative",
            scale: { type: "log", domain: [0.001, cap * 1.5], nice: false },
            title: "seconds after the fault (log)",
          },
          y: { ...mechanismAxis, title: null, axis: { labelLimit: 260 } },
          color: byStatus(["#1f77b4", "#d62728", "#2ca02c"]),
          shape: byStatus(["circle", "triangle-right", "diamond"]),
          tooltip: [{ field: "mechanism" }, { field: "seconds" }, {
            field: "status",
          }],
        },
      },
    ],
  });
  const faults = results.faults.map((f) => f.label).filter((f) =>
    rows.some((r) => r.fault === f)
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text:
        "Time to notice a dead peer (lab scale, median; line to max; grey: predicted)",
      subtitle:
        `Linux ${results.kernel}, ${results.parameters.repetitions} runs per case, ` +
        `cap ${cap} s; production = ${results.parameters.scale.factor} × lab for tuned values`,
      anchor: "start",
    },
    vconcat: faults.map(panel),
    resolve: { scale: { color: "shared", shape: "shared" } },
  };
}

/**
 * The vega-lite specification of the production-scale chart: each case's
 * predicted worst case at production values.
 *
 * @param results The lab's results.
 * @returns The specification.
 *
 * @example Render it
 * ```ts ignore
 * import { productionSpec, renderSvg } from "./charts.ts";
 * const svg = await renderSvg(productionSpec(results));
 * ```
 */
export function productionSpec(results: LabResults): ChartSpec {
  const mechanism = new Map(results.mechanisms.map((m) => [m.id, m.label]));
  const rows = results.cases
    .filter((c) =>
      c.fault === "client_vanishes" && c.predicted.productionMs !== null
    )
    .map((c) => ({
      mechanism: mechanism.get(c.mechanism) ?? c.mechanism,
      minutes: Math.max(c.predicted.productionMs! / 60_000, 0.01),
      base: 0.1,
      label: formatMs(c.predicted.productionMs!),
    }));
  const y = {
    field: "mechanism",
    type: "nominal",
    title: null,
    sort: { field: "minutes", order: "ascending" },
    axis: { labelLimit: 260 },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Client host vanishes: worst case at production values",
      subtitle:
        `the lab's formulas with every tuned constant × ${results.parameters.scale.factor}` +
        " (defaults, the kernel's RTO and libuv's 1 s × 10 stay as they are)",
      anchor: "start",
    },
    width: 460,
    height: { step: 22 },
    data: { values: rows },
    layer: [
      {
        mark: { type: "rule", color: "#1f77b4", strokeWidth: 6 },
        encoding: {
          y,
          x: {
            field: "base",
            type: "quantitative",
            scale: { type: "log", domain: [0.1, 1000] },
            title: "minutes (log)",
          },
          x2: { field: "minutes" },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 6, fontSize: 11 },
        encoding: {
          y,
          x: { field: "minutes", type: "quantitative" },
          text: { field: "label" },
        },
      },
    ],
  };
}

/**
 * A rule across the chart at one value, with its label at the axis: the
 * datum's first field is the value (on `channel`), its `label` the text.
 */
function markedRule(
  datum: Record<string, number | string>,
  channel: "x" | "y",
  line: { color: string; strokeDash: number[] },
  text: { align: string; dx: number; dy: number },
): ChartSpec {
  const field = Object.keys(datum)[0];
  const at = { [channel]: { field, type: "quantitative" } };
  return {
    data: { values: [datum] },
    layer: [
      { mark: { type: "rule", ...line }, encoding: at },
      {
        mark: { type: "text", ...text, color: line.color },
        encoding: {
          ...at,
          [channel === "x" ? "y" : "x"]: { value: 0 },
          text: { field: "label" },
        },
      },
    ],
  };
}

/**
 * The vega-lite specification of the adaptive heartbeat chart: the interval
 * over time, with the NAT's idle timeout as a rule.
 *
 * @param results The lab's results.
 * @returns The specification.
 *
 * @example Render it
 * ```ts ignore
 * import { adaptiveSpec, renderSvg } from "./charts.ts";
 * const svg = await renderSvg(adaptiveSpec(results));
 * ```
 */
export function adaptiveSpec(results: LabResults): ChartSpec {
  const a = results.adaptive;
  const rows = a.samples.map((s) => ({
    t: s.tMs / 1000,
    interval: s.intervalMs / 1000,
    event: s.event,
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Adaptive heartbeat behind a NAT",
      subtitle: `conntrack idle timeout ${
        a.natTimeoutMs / 1000
      } s; settled at ${
        a.settledIntervalMs === null ? "—" : `${a.settledIntervalMs / 1000} s`
      }; drops after settling: ${a.dropsAfterSettle}`,
    },
    width: 460,
    height: 220,
    layer: [
      ...(a.settledAtMs === null ? [] : [
        markedRule(
          {
            t: a.settledAtMs / 1000,
            label: `settled: ${a.settledIntervalMs! / 1000} s`,
          },
          "x",
          { color: "#2ca02c", strokeDash: [2, 3] },
          { align: "right", dx: -4, dy: 10 },
        ),
      ]),
      {
        data: { values: rows },
        mark: { type: "line", interpolate: "step-after", point: true },
        encoding: {
          x: { field: "t", type: "quantitative", title: "seconds since start" },
          y: {
            field: "interval",
            type: "quantitative",
            title: "heartbeat interval (s)",
          },
        },
      },
      markedRule(
        { nat: a.natTimeoutMs / 1000, label: "NAT idle timeout" },
        "y",
        { color: "#d62728", strokeDash: [4, 4] },
        { align: "left", dx: 4, dy: -6 },
      ),
    ],
  };
}

/**
 * Gives an SVG an accessible name: a `<title>` element and an `aria-label`.
 *
 * @param svg The SVG markup.
 * @param title The title text.
 * @returns The SVG with the title.
 *
 * @example
 * ```ts
 * import { withTitle } from "./charts.ts";
 * console.log(withTitle('<svg class="marks"></svg>', "A & B"));
 * // <svg aria-label="A &amp; B" class="marks"><title>A &amp; B</title></svg>
 * ```
 */
export function withTitle(svg: string, title: string): string {
  const escaped = title.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll('"', "&quot;");
  return svg.replace(
    /^<svg([^>]*)>/,
    (_all, attributes: string) =>
      `<svg aria-label="${escaped}"${attributes}><title>${escaped}</title>`,
  );
}

/**
 * Writes every chart of a results file as SVG into a directory.
 *
 * @param results The lab's results.
 * @param dir The directory (created when missing).
 * @returns The paths written.
 *
 * @example Re-render the charts of the committed results
 * ```ts ignore
 * import { writeCharts } from "./charts.ts";
 * import { parseLabResults } from "./results_schema.ts";
 * const results = parseLabResults(JSON.parse(await Deno.readTextFile("lab/results/latest.json")));
 * console.log(await writeCharts(results, "/tmp/charts"));
 * ```
 */
export async function writeCharts(
  results: LabResults,
  dir: string,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const charts: [string, ChartSpec][] = [
    ["detection_times.svg", detectionSpec(results)],
    ["production_worst_case.svg", productionSpec(results)],
  ];
  if (results.adaptive.samples.length > 0) {
    charts.push(["adaptive_interval.svg", adaptiveSpec(results)]);
  }
  const written: string[] = [];
  for (const [name, spec] of charts) {
    const path = join(dir, name);
    const title = (spec.title as { text: string }).text;
    await Deno.writeTextFile(path, withTitle(await renderSvg(spec), title));
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  // Re-render the charts from an existing results file.
  const { parseLabResults } = await import("./results_schema.ts");
  const file = Deno.args[0] ??
    new URL("./results/latest.json", import.meta.url).pathname;
  const dir = Deno.args[1] ??
    new URL("../docs/public/charts/", import.meta.url).pathname;
  const written = await writeCharts(
    parseLabResults(JSON.parse(await Deno.readTextFile(file))),
    dir,
  );
  console.log(written.join("\n"));
}
