/**
 * Applies keepalive values to the configuration file and the kernel, with a
 * backup, a lock and a rollback of both on any failure.
 *
 * @module
 */

import { dirname, join } from "node:path";
import {
  failureMessage,
  putBackState,
  rollback,
  saveRecord,
  underLock,
  writeRuntimeValues,
} from "./_apply_steps.ts";
import { checkRoot } from "./_target.ts";
import { type AtomicWriteStep, writeFileAtomic } from "./atomic_write.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  type KeepaliveSettings,
  validateKeepalive,
} from "./keepalive.ts";
import { planChanges } from "./manager.ts";
import { readRuntime } from "./runtime.ts";
import { STATE_FILES } from "./state.ts";
import type { ChangeOptions, ChangeSet } from "./types.ts";

/**
 * Thrown when an apply or restore failed; the message says what failed and
 * what was rolled back.
 *
 * @example
 * ```ts
 * import { ApplyError, applyKeepalive } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * try {
 *   await applyKeepalive({ time: 60 }, {
 *     root,
 *     scope: "file",
 *     onStep: (step) => {
 *       if (step === "temp-synced") throw new Error("disk full");
 *     },
 *   });
 * } catch (error) {
 *   if (error instanceof ApplyError) console.log(error.message, error.rolledBack);
 *   // Cannot apply: disk full true
 * }
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export class ApplyError extends Error {
  /** Whether the file and the runtime values are back as they were. */
  readonly rolledBack: boolean;

  /**
   * Creates the error.
   *
   * @param message What failed and what was put back.
   * @param rolledBack Whether everything is back as it was.
   */
  constructor(message: string, rolledBack: boolean) {
    super(message);
    this.name = "ApplyError";
    this.rolledBack = rolledBack;
  }
}

/** Options of {@linkcode applyKeepalive}. */
export interface ApplyOptions extends ChangeOptions {
  /**
   * Called at each step of the file write and after each kernel value is
   * written; if it throws, the apply fails at that point and rolls back.
   * For tests and tracing.
   *
   * @default {undefined}
   */
  onStep?: (
    step: AtomicWriteStep | "runtime-value-written",
  ) => void | Promise<void>;
  /**
   * Called when another apply or restore holds the lock and this one waits.
   *
   * @default {undefined}
   */
  onLockWait?: () => void;
}

/**
 * Applies keepalive values: under a lock, saves a backup of the file and the
 * kernel values, writes the file atomically (through a symlink to its real
 * file, keeping mode and owner), sets the kernel values and reads them back.
 * If any step fails, the file and the kernel values are put back as they
 * were and an {@linkcode ApplyError} says what happened. Needs root for the
 * real `/etc` and `/proc`.
 *
 * @param desired The values; keys left out are not managed.
 * @param options The root, the file, procfs, the scope and a step hook.
 * @returns The change set that was applied (`changed` false when nothing was needed).
 * @throws {RangeError} When a value is out of range, before anything is
 * written (the lock included).
 * @throws {ApplyError} When a step failed; everything written was rolled back.
 *
 * @example Apply to a temporary root and a fake procfs
 * ```ts
 * import { applyKeepalive } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * const changes = await applyKeepalive({ time: 60 }, { root, scope: "file" });
 * console.log(changes.changed); // true
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function applyKeepalive(
  desired: Partial<KeepaliveSettings>,
  options: ApplyOptions = {},
): Promise<ChangeSet> {
  const wanted = validateKeepalive(desired);
  await checkRoot(options);
  return await underLock(options, async () => {
    const changes = await planChanges(wanted, options);
    if (changes.changed) await writeChanges(changes, wanted, options);
    return changes;
  });
}

/** Throws when a kernel value does not read back as wanted. */
async function verifyRuntime(
  wanted: Partial<KeepaliveSettings>,
  options: ApplyOptions,
): Promise<void> {
  const now = await readRuntime(options);
  for (const field of KEEPALIVE_FIELDS) {
    const want = wanted[field];
    if (want !== undefined && now[field] !== want) {
      throw new Error(
        `${KEEPALIVE_KEYS[field]} reads back as ${now[field]}, not ${want}`,
      );
    }
  }
}

/**
 * Saves the record and the backup, writes the file and the kernel values,
 * and on a failure puts back all of it (the previous record included).
 */
async function writeChanges(
  changes: ChangeSet,
  wanted: Partial<KeepaliveSettings>,
  options: ApplyOptions,
): Promise<void> {
  const root = options.root ?? "/";
  const hostPath = join(root, changes.realPath);
  const previous = await saveRecord(root, {
    at: new Date().toISOString(),
    path: changes.path,
    realPath: changes.realPath,
    existed: changes.exists,
    fileChanged: changes.patch !== "",
    ...(changes.runtime.length > 0
      ? { runtimeBefore: changes.runtimeBefore }
      : {}),
  }, changes.before);
  const written: KeepaliveField[] = [];
  try {
    if (changes.patch !== "") {
      await Deno.mkdir(dirname(hostPath), { recursive: true });
      await writeFileAtomic(hostPath, changes.after, {
        onStep: options.onStep,
      });
    }
    await writeRuntimeValues(changes.runtime, written, options);
    if (changes.runtime.length > 0) await verifyRuntime(wanted, options);
  } catch (error) {
    const { done, failed } = await rollback(
      changes,
      hostPath,
      written,
      options,
    );
    if (failed.length === 0) await putBackState(root, previous);
    throw new ApplyError(
      failureMessage(
        "apply",
        error,
        { done, failed },
        ` (the previous file is in ${STATE_FILES.backup})`,
      ),
      failed.length === 0,
    );
  }
}
