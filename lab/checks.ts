/**
 * Checks measured points against their formulas: every case with a finite
 * prediction and at least one run becomes one check.
 *
 * @module
 */

import type { LabCase, LabFormulaCheck } from "./results_schema.ts";

/**
 * Builds the formula checks of a run: for each case whose prediction is a
 * finite range (not "never", not "survives", not the trivial FIN case), the
 * predicted range against the measured median and maximum.
 *
 * @param cases The cases with their summaries.
 * @returns One check per such case.
 *
 * @example
 * ```ts
 * import { formulaChecks } from "./checks.ts";
 * console.log(formulaChecks([])); // []
 * ```
 */
export function formulaChecks(cases: LabCase[]): LabFormulaCheck[] {
  return cases
    .filter((c) =>
      c.fault !== "client_killed" && c.runs.length > 0 &&
      c.predicted.minMs !== null &&
      c.predicted.minMs > 0 && !c.predicted.survives
    )
    .map((c) => ({
      caseId: c.id,
      formula: c.predicted.formula,
      predictedMinMs: c.predicted.minMs,
      predictedMaxMs: c.predicted.maxMs,
      measuredMedianMs: c.summary.medianMs,
      measuredMaxMs: c.summary.maxMs,
      ok: c.summary.matchesPrediction === true,
    }));
}
