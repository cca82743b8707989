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
  STATE_PATHS,
  underLock,
  writeRuntimeValues,
} from "./_apply_steps.ts";
import { type AtomicWriteStep, writeFileAtomic } from "./atomic_write.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  type KeepaliveSettings,
  validateKeepalive,
} from "./keepalive.ts";
import { type ChangeOptions, type ChangeSet, planChanges } from "./manager.ts";
import { readRuntime } from "./runtime.ts";

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
> = STATE_PATHS;

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
  desired = validateKeepalive(desired);
  const root = options.root ?? "/";
  return await underLock(options, async () => {
    const changes = await planChanges(desired, options);
    if (!changes.changed) return changes;
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
      if (changes.runtime.length > 0) {
        const now = await readRuntime(options);
        for (const field of KEEPALIVE_FIELDS) {
          const want = desired[field];
          if (want !== undefined && now[field] !== want) {
            throw new Error(
              `${KEEPALIVE_KEYS[field]} reads back as ${
                now[field]
              }, not ${want}`,
            );
          }
        }
      }
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
    return changes;
  });
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
  options: ChangeOptions = {},
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
