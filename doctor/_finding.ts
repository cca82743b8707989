/**
 * The shape of what the doctor reports besides its tables: findings (a
 * layer defeats another: exit code 1), each with its fix as commands, and
 * notes (worth knowing, harmless). Internal to `doctor/`.
 *
 * @module
 */

/** The findings the doctor knows. */
export type FindingId =
  | "heartbeat_outlives_idle"
  | "keepalive_outlives_idle"
  | "too_many_pings"
  | "false_timeouts"
  | "no_heartbeat_slow_keepalive"
  | "no_heartbeat_frozen_peer"
  | "namespace_differs"
  | "namespace_defaults"
  | "boot_differs";

/** A layer that defeats another. */
export interface Finding {
  /** What kind of finding it is; stable, for scripts. */
  id: FindingId;
  /** What is wrong and what it does, for people. */
  message: string;
  /** The fix, as commands or flags to use. */
  fixes: string[];
}

/** Something worth knowing that defeats nothing. */
export interface Note {
  /** What kind of note it is; stable, for scripts. */
  id: string;
  /** The note, for people. */
  message: string;
}

/** Findings and notes, as each check returns them. */
export interface Checked {
  /** The findings. */
  findings: Finding[];
  /** The notes. */
  notes: Note[];
}

/**
 * An empty result, to fill.
 *
 * @returns No findings, no notes.
 *
 * @example
 * ```ts
 * import { nothing } from "./_finding.ts";
 * console.log(nothing()); // { findings: [], notes: [] }
 * ```
 */
export function nothing(): Checked {
  return { findings: [], notes: [] };
}
