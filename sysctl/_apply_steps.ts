/**
 * The steps that `apply` and `restore` share: the lock, the state files,
 * kernel writes and the rollback of the file and the kernel values.
 * Internal to `sysctl/`.
 *
 * @module
 */

import { dirname, join } from "node:path";
import {
  type AtomicWriteStep,
  withFileLock,
  writeFileAtomic,
} from "./atomic_write.ts";
import { KEEPALIVE_KEYS, type KeepaliveField } from "./keepalive.ts";
import {
  type RuntimeOptions,
  runtimePath,
  writeRuntimeValue,
} from "./runtime.ts";
import { type ApplyRecord, STATE_FILES } from "./state.ts";
import type { ChangeSet, RuntimeChange } from "./types.ts";

/** What the shared steps need of `apply`'s and `restore`'s options. */
export interface StepOptions extends RuntimeOptions {
  /** The root the state directory is under. */
  root?: string;
  /** Called at each step; a throw fails the operation there. */
  onStep?: (
    step: AtomicWriteStep | "runtime-value-written",
  ) => void | Promise<void>;
  /** Called when another apply or restore holds the lock. */
  onLockWait?: () => void;
}

/** The state directory on the host, under the root. */
function stateDir(root: string | undefined): string {
  return join(root ?? "/", dirname(STATE_FILES.lock));
}

/** Runs `fn` under the lock of the state directory, creating it if needed. */
export async function underLock<T>(
  options: StepOptions,
  fn: () => Promise<T>,
): Promise<T> {
  await Deno.mkdir(stateDir(options.root), { recursive: true, mode: 0o700 });
  return await withFileLock(join(options.root ?? "/", STATE_FILES.lock), fn, {
    onWait: options.onLockWait,
  });
}

/**
 * Writes kernel values in order, recording each field before its write (a
 * write that fails may still have changed it; the rollback reads it back
 * first). A `/proc/sys` that refuses writes, as in most containers, is
 * named in the error.
 */
export async function writeRuntimeValues(
  changes: RuntimeChange[],
  written: KeepaliveField[],
  options: StepOptions,
): Promise<void> {
  for (const change of changes) {
    written.push(change.field);
    try {
      await writeRuntimeValue(change.field, change.desired, options);
    } catch (error) {
      const message = (error as Error).message;
      if (
        /Read-only file system|Permission denied|os error (1|13|30)\)/.test(
          message,
        )
      ) {
        throw new Error(
          `${message}: /proc/sys is read-only here (a container?); use --no-runtime, or set the values through the container runtime`,
        );
      }
      throw error;
    }
    await options.onStep?.("runtime-value-written");
  }
}

/** A kernel value as it reads now, or `undefined` when it cannot be read. */
async function currentValue(
  field: KeepaliveField,
  options: StepOptions,
): Promise<number | undefined> {
  try {
    const text = (await Deno.readTextFile(runtimePath(field, options))).trim();
    return /^-?\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** What a rollback put back, and what it could not. */
export interface RollbackOutcome {
  /** One entry per value or file put back. */
  done: string[];
  /** One entry per value or file that could not be put back. */
  failed: string[];
}

/**
 * Puts back the kernel values written (newest first) and the file as it was
 * in `changes.before` (or removes it when it did not exist).
 */
export async function rollback(
  changes: ChangeSet,
  hostPath: string,
  written: KeepaliveField[],
  options: StepOptions,
): Promise<RollbackOutcome> {
  const done: string[] = [];
  const failed: string[] = [];
  for (const field of written.toReversed()) {
    const key = KEEPALIVE_KEYS[field];
    // A write the kernel refused left the value as it was: nothing to undo.
    if (await currentValue(field, options) === changes.runtimeBefore![field]) {
      continue;
    }
    try {
      await writeRuntimeValue(field, changes.runtimeBefore![field], options);
      done.push(`${key} back to ${changes.runtimeBefore![field]}`);
    } catch (error) {
      failed.push(`${key}: ${(error as Error).message}`);
    }
  }
  let now: string | undefined;
  try {
    now = await Deno.readTextFile(hostPath);
  } catch {
    now = undefined;
  }
  const expected = changes.exists ? changes.before : undefined;
  if (now !== expected) {
    try {
      if (changes.exists) await writeFileAtomic(hostPath, changes.before);
      else await Deno.remove(hostPath);
      done.push(
        changes.exists ? `${changes.path} restored` : `${changes.path} removed`,
      );
    } catch (error) {
      failed.push(`${changes.path}: ${(error as Error).message}`);
    }
  }
  return { done, failed };
}

/** `Cannot apply: <cause>; rolled back: …; ROLLBACK FAILED for …`. */
export function failureMessage(
  verb: "apply" | "restore",
  error: unknown,
  outcome: RollbackOutcome,
  whereIsPrevious = "",
): string {
  const { done, failed } = outcome;
  const what = done.length > 0 ? `; rolled back: ${done.join(", ")}` : "";
  const bad = failed.length > 0
    ? `; ROLLBACK FAILED for ${failed.join("; ")}${whereIsPrevious}`
    : "";
  return `Cannot ${verb}: ${(error as Error).message}${what}${bad}`;
}

/** The state files' previous contents, to put back after a failed apply. */
export type SavedState = { record?: string; backup?: string };

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Saves the backup and the record of an apply; returns what they replaced. */
export async function saveRecord(
  root: string,
  record: ApplyRecord,
  backup: string,
): Promise<SavedState> {
  await Deno.mkdir(stateDir(root), { recursive: true, mode: 0o700 });
  const previous: SavedState = {
    record: await readOptional(join(root, STATE_FILES.record)),
    backup: await readOptional(join(root, STATE_FILES.backup)),
  };
  await writeFileAtomic(join(root, STATE_FILES.backup), backup, {
    mode: 0o600,
  });
  await writeFileAtomic(
    join(root, STATE_FILES.record),
    JSON.stringify(record, null, 2) + "\n",
    { mode: 0o600 },
  );
  return previous;
}

/** After a rolled-back apply, the last successful apply's backup is current again. */
export async function putBackState(
  root: string,
  previous: SavedState,
): Promise<void> {
  for (const name of ["record", "backup"] as const) {
    const path = join(root, STATE_FILES[name]);
    const text = previous[name];
    if (text === undefined) await Deno.remove(path).catch(() => {});
    else await writeFileAtomic(path, text, { mode: 0o600 }).catch(() => {});
  }
}
