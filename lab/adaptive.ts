/**
 * The adaptive heartbeat experiment: Lifeline's client with `--adaptive`
 * behind the lab's strict NAT with a known idle timeout. The lab records the
 * interval over time and checks that it settles just below the timeout and
 * that the connection then holds.
 *
 * @module
 */

import type { LabAdaptive, LabParameters } from "./results_schema.ts";

/**
 * An adaptive result that records why the experiment did not run.
 *
 * @param p The lab's parameters.
 * @param note Why.
 * @returns The (empty) result.
 *
 * @example
 * ```ts
 * import { skippedAdaptive } from "./adaptive.ts";
 * import { DEFAULT_PARAMETERS } from "./cases.ts";
 * console.log(skippedAdaptive(DEFAULT_PARAMETERS, "skipped").ran); // false
 * ```
 */
export function skippedAdaptive(p: LabParameters, note: string): LabAdaptive {
  return {
    ran: false,
    natTimeoutMs: p.conntrackTimeoutS * 1000,
    options: {},
    samples: [],
    settledIntervalMs: null,
    settledAtMs: null,
    observedAfterSettleMs: 0,
    dropsAfterSettle: 0,
    ok: false,
    note,
  };
}

/**
 * Runs the adaptive heartbeat experiment.
 *
 * @param p The lab's parameters.
 * @param _log Progress lines.
 * @returns The result.
 */
export function runAdaptive(
  p: LabParameters,
  _log: (line: string) => void,
): Promise<LabAdaptive> {
  return Promise.resolve(
    skippedAdaptive(p, "the client has no --adaptive yet"),
  );
}
