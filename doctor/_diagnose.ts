/**
 * The diagnosis: the tables of every failure mode, then the findings and
 * notes of every check, and the exit code they give. Pure: the inputs are
 * read elsewhere (`_kernel.ts`, `_policy_readers.ts`). Internal to
 * `doctor/`.
 *
 * @module
 */

import type { Finding, Note } from "./_finding.ts";
import { kernelChecks } from "./_kernel_checks.ts";
import type { DoctorInput } from "./_mechanisms.ts";
import { pathChecks } from "./_path_checks.ts";
import { policyChecks } from "./_policy_checks.ts";
import { type FaultTable, faultTables } from "./_tables.ts";

/** Everything the doctor reports. */
export interface DoctorReport {
  /** What was diagnosed. */
  input: DoctorInput;
  /** One table per failure mode. */
  tables: FaultTable[];
  /** Layers that defeat another; any makes the exit code 1. */
  findings: Finding[];
  /** Worth knowing, harmless. */
  notes: Note[];
  /** 0 when nothing defeats anything, 1 with findings. */
  exitCode: 0 | 1;
}

/**
 * Diagnoses a deployment: how long each failure goes unnoticed by each
 * mechanism, and which layer defeats another.
 *
 * @param input The server's policy, the client's interval, the round trip,
 * the path and the kernel's facts.
 * @returns The report.
 *
 * @example Lifeline's defaults, tuned keepalive, behind an Azure load balancer
 * ```ts
 * import { diagnose } from "./_diagnose.ts";
 * import { serverPolicy } from "./_policy.ts";
 * import { parsePathEntry } from "./_presets.ts";
 * const report = diagnose({
 *   policy: serverPolicy(5000, 15000),
 *   roundTripMs: 1000,
 *   path: [parsePathEntry("azure-lb")],
 *   kernel: { runtime: { time: 60, intvl: 20, probes: 3 }, retries2: 15, retries2Read: true, namespace: { initial: true } },
 * });
 * console.log(report.exitCode, report.findings); // 0 []
 * ```
 */
export function diagnose(input: DoctorInput): DoctorReport {
  const checks = [pathChecks(input), policyChecks(input), kernelChecks(input)];
  const findings = checks.flatMap((c) => c.findings);
  return {
    input,
    tables: faultTables(input),
    findings,
    notes: checks.flatMap((c) => c.notes),
    exitCode: findings.length > 0 ? 1 : 0,
  };
}
