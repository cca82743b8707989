/**
 * Statistics over a case's repetitions: median and maximum detection times,
 * where a run that was not detected within the cap counts as larger than any
 * detected one, and the comparison of measured times against a prediction.
 *
 * @module
 */

import type { LabPrediction, LabRun, LabSummary } from "./results_schema.ts";

/**
 * The median of numbers where `null` means "more than any number" (not
 * detected within the cap). With an even count the upper middle is taken, so
 * the median is always a measured value.
 *
 * @param values The values; `null` for "not detected".
 * @returns The median, or null when it is a "not detected" run or there are none.
 *
 * @example Median with a run that was not detected
 * ```ts
 * import { median } from "./stats.ts";
 * console.log(median([3, 1, 2])); // 2
 * console.log(median([1, null, null])); // null
 * ```
 */
export function median(values: (number | null)[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => rank(a) - rank(b));
  return sorted[Math.floor(sorted.length / 2)];
}

function rank(value: number | null): number {
  return value === null ? Infinity : value;
}

/**
 * The maximum where `null` ("not detected") beats every number.
 *
 * @param values The values.
 * @returns The maximum, or null when any is null or there are none.
 *
 * @example
 * ```ts
 * import { maximum } from "./stats.ts";
 * console.log(maximum([1, 5, 3])); // 5
 * console.log(maximum([1, null])); // null
 * ```
 */
export function maximum(values: (number | null)[]): number | null {
  if (values.length === 0 || values.includes(null)) return null;
  return Math.max(...(values as number[]));
}

/**
 * Formats milliseconds for a table cell: `850 ms`, `4.01 s`, `2 min 5 s`.
 *
 * @param ms The duration.
 * @returns Short text.
 *
 * @example
 * ```ts
 * import { formatMs } from "./stats.ts";
 * console.log(formatMs(4012)); // "4.01 s"
 * ```
 */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ${
    s % 60
  } s`;
}

/**
 * Whether a measured time lies in a predicted range, widened by a tolerance
 * (the lab's processes add scheduling delay; the machine is shared).
 * `null` on either side means "never": a never-prediction matches only a run
 * that was not detected, and a run that was not detected matches a
 * prediction above the cap.
 *
 * @param measuredMs The measured time, or null for "not detected".
 * @param prediction The predicted range.
 * @param capMs The cap the run waited.
 * @param toleranceMs How far outside the range still counts.
 * @returns Whether they agree.
 *
 * @example
 * ```ts
 * import { withinPrediction } from "./stats.ts";
 * const p = { minMs: 3000, maxMs: 5000 };
 * console.log(withinPrediction(4200, p, 15000, 300)); // true
 * console.log(withinPrediction(null, { minMs: null, maxMs: null }, 15000, 300)); // true
 * ```
 */
export function withinPrediction(
  measuredMs: number | null,
  prediction: Pick<LabPrediction, "minMs" | "maxMs">,
  capMs: number,
  toleranceMs: number,
): boolean {
  const { minMs, maxMs } = prediction;
  if (measuredMs === null) {
    return maxMs === null || (minMs ?? 0) > capMs - toleranceMs;
  }
  if (minMs === null) return false;
  return measuredMs >= minMs - toleranceMs &&
    (maxMs === null || measuredMs <= maxMs + toleranceMs);
}

/**
 * Summarises a case's runs: counts, median, maximum, a table-cell text and
 * whether every run matched the prediction.
 *
 * @param runs The runs.
 * @param prediction The case's prediction.
 * @param options The cap and tolerance.
 * @returns The summary.
 *
 * @example
 * ```ts
 * import { summarize } from "./stats.ts";
 * const run = (ms: number | null) => ({
 *   repetition: 0, faultAt: "", outcome: ms === null ? "not_detected" as const : "detected" as const,
 *   detectionMs: ms, server: { ms, how: null }, client: { ms: null, how: null },
 * });
 * const s = summarize([run(4000), run(4100), run(4050)], {
 *   minMs: 3000, maxMs: 5000, formula: "", production: "", productionMs: 0, survives: false,
 * }, { capMs: 15000, toleranceMs: 300 });
 * console.log(s.text); // "4.05 s / 4.10 s"
 * ```
 */
export function summarize(
  runs: LabRun[],
  prediction: LabPrediction,
  options: { capMs: number; toleranceMs: number },
): LabSummary {
  const detected = runs.filter((r) => r.outcome === "detected");
  const survived = runs.filter((r) => r.outcome === "survived").length;
  const values = runs.filter((r) => r.outcome !== "survived").map((r) =>
    r.detectionMs
  );
  const med = survived > runs.length / 2 ? null : median(values);
  const max = survived === runs.length ? null : maximum(values);
  const min = detected.length === 0
    ? null
    : Math.min(...detected.map((r) => r.detectionMs!));
  let text: string;
  if (runs.length === 0) text = "not run";
  else if (survived === runs.length) text = "survived (kept alive)";
  else if (detected.length === 0) {
    text = `not detected within ${formatMs(options.capMs)}`;
  } else if (med === null) {
    text = `mostly not detected within ${formatMs(options.capMs)}`;
  } else {
    text = `${formatMs(med)} / ${
      max === null ? `> ${formatMs(options.capMs)}` : formatMs(max)
    }`;
  }
  if (survived > 0 && survived < runs.length) {
    text += ` (${survived} of ${runs.length} survived)`;
  }
  const matches = runs.length === 0
    ? null
    : runs.every((r) =>
      r.outcome === "survived" ? prediction.survives : !prediction.survives &&
        withinPrediction(
          r.detectionMs,
          prediction,
          options.capMs,
          options.toleranceMs,
        )
    );
  return {
    runs: runs.length,
    detected: detected.length,
    notDetected: runs.filter((r) => r.outcome === "not_detected").length,
    survived,
    medianMs: med,
    maxMs: max,
    minMs: min,
    text,
    matchesPrediction: matches,
  };
}
