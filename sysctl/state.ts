/**
 * What an apply leaves under the root for the next one and for `restore`:
 * the lock, the record of the last apply and the backup of the file it
 * changed.
 *
 * @module
 */

import { join } from "node:path";
import type { KeepaliveSettings } from "./keepalive.ts";
import type { ManagerOptions } from "./types.ts";

const STATE_DIR = "/var/lib/lifeline/sysctl";

/**
 * Names of the state files, relative to the root: the lock, the record of
 * the last apply and the backup of the file it changed.
 *
 * @example
 * ```ts
 * import { STATE_FILES } from "@lifeline/lifeline/sysctl";
 * console.log(STATE_FILES.backup); // "/var/lib/lifeline/sysctl/last_apply.conf"
 * ```
 */
export const STATE_FILES: Readonly<
  { lock: string; record: string; backup: string }
> = {
  lock: `${STATE_DIR}/lock`,
  record: `${STATE_DIR}/last_apply.json`,
  backup: `${STATE_DIR}/last_apply.conf`,
};

/** The record of the last apply, kept in the state directory. */
export interface ApplyRecord {
  /** When the apply ran (ISO 8601). */
  at: string;
  /** The managed file as given, relative to the root. */
  path: string;
  /** The file it really is, relative to the root. */
  realPath: string;
  /** Whether the file existed before. */
  existed: boolean;
  /** Whether the apply changed the file. */
  fileChanged: boolean;
  /** The kernel values before, when the apply changed them. */
  runtimeBefore?: KeepaliveSettings;
}

/**
 * Reads the record of the last apply under a root.
 *
 * @param options The root.
 * @returns The record, or `undefined` when no apply was made.
 *
 * @example
 * ```ts
 * import { readApplyRecord } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * console.log(await readApplyRecord({ root })); // undefined
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readApplyRecord(
  options: ManagerOptions = {},
): Promise<ApplyRecord | undefined> {
  try {
    const text = await Deno.readTextFile(
      join(options.root ?? "/", STATE_FILES.record),
    );
    return JSON.parse(text) as ApplyRecord;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
