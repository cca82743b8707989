/**
 * Applies keepalive values to the configuration file and the kernel, with a
 * backup, a lock and a rollback of both on any failure; and restores the
 * last backup.
 *
 * @module
 */

import { createTwoFilesPatch } from "diff";
import { dirname, join } from "node:path";
import { readTarget, STATE_DIR, stateDir } from "./_target.ts";
import {
  type AtomicWriteStep,
  withFileLock,
  writeFileAtomic,
} from "./atomic_write.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  type KeepaliveSettings,
  validateKeepalive,
} from "./keepalive.ts";
import {
  type ChangeOptions,
  type ChangeSet,
  planChanges,
  type RuntimeChange,
} from "./manager.ts";
import { readRuntime, writeRuntimeValue } from "./runtime.ts";

/** Thrown when an apply or restore failed; the message says what was rolled back. */
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

/** Options of {@linkcode restoreKeepalive}. */
export interface RestoreOptions extends ApplyOptions {
  /**
   * Compute what would be restored without writing or locking anything.
   *
   * @default {false}
   */
  dryRun?: boolean;
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

/** Names of the state files, relative to the root. */
export const STATE_FILES: Readonly<
  { lock: string; record: string; backup: string }
> = {
  lock: `${STATE_DIR}/lock`,
  record: `${STATE_DIR}/last_apply.json`,
  backup: `${STATE_DIR}/last_apply.conf`,
};

async function writeRuntimeValues(
  changes: RuntimeChange[],
  written: KeepaliveField[],
  options: ApplyOptions,
): Promise<void> {
  for (const change of changes) {
    written.push(change.field);
    await writeRuntimeValue(change.field, change.desired, options);
    await options.onStep?.("runtime-value-written");
  }
}

async function rollback(
  changes: ChangeSet,
  hostPath: string,
  written: KeepaliveField[],
  options: ApplyOptions,
): Promise<{ done: string[]; failed: string[] }> {
  const done: string[] = [];
  const failed: string[] = [];
  for (const field of written.toReversed()) {
    const key = KEEPALIVE_KEYS[field];
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

/** The state files' previous contents, to put back after a failed apply. */
type SavedState = { record?: string; backup?: string };

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function saveRecord(
  root: string,
  record: ApplyRecord,
  backup: string,
): Promise<SavedState> {
  await Deno.mkdir(join(root, STATE_DIR), { recursive: true, mode: 0o700 });
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
async function putBackState(root: string, previous: SavedState) {
  for (const name of ["record", "backup"] as const) {
    const path = join(root, STATE_FILES[name]);
    const text = previous[name];
    if (text === undefined) await Deno.remove(path).catch(() => {});
    else await writeFileAtomic(path, text, { mode: 0o600 }).catch(() => {});
  }
}

async function lock<T>(options: ApplyOptions, fn: () => Promise<T>) {
  await Deno.mkdir(stateDir(options), { recursive: true, mode: 0o700 });
  return await withFileLock(join(stateDir(options), "lock"), fn, {
    onWait: options.onLockWait,
  });
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
  desired = validateKeepalive(desired);
  const root = options.root ?? "/";
  return await lock(options, async () => {
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
      const what = done.length > 0 ? `; rolled back: ${done.join(", ")}` : "";
      const bad = failed.length > 0
        ? `; ROLLBACK FAILED for ${
          failed.join("; ")
        } (the previous file is in ${STATE_FILES.backup})`
        : "";
      throw new ApplyError(
        `Cannot apply: ${(error as Error).message}${what}${bad}`,
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

/**
 * Puts back what the last apply changed: the file's previous content (or
 * removes a file the apply created) and the previous kernel values, under
 * the same lock and with the same rollback on failure as an apply.
 *
 * @param options The root, procfs, the scope and `dryRun`; the file comes from the record.
 * @returns The change set of the restore.
 * @throws {ApplyError} When there is no backup or a step failed.
 *
 * @example
 * ```ts
 * import { applyKeepalive, restoreKeepalive } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * await applyKeepalive({ time: 60 }, { root, scope: "file" });
 * await restoreKeepalive({ root, scope: "file" });
 * console.log(await Deno.stat(`${root}/etc/sysctl.conf`).catch(() => "gone")); // "gone"
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function restoreKeepalive(
  options: RestoreOptions = {},
): Promise<ChangeSet> {
  const root = options.root ?? "/";
  const scope = options.scope ?? "both";
  const locked = options.dryRun
    ? <T>(_: ApplyOptions, fn: () => Promise<T>) => fn()
    : lock;
  return await locked(options, async () => {
    const record = await readApplyRecord(options);
    if (record === undefined) {
      throw new ApplyError(
        `Cannot restore: no backup in "${
          join(root, STATE_DIR)
        }" (no apply was made)`,
        true,
      );
    }
    const backup = await Deno.readTextFile(join(root, STATE_FILES.backup));
    const target = await readTarget({ ...options, file: record.realPath });
    const after = record.existed ? backup : "";
    const fileDiffers = scope !== "runtime" && record.fileChanged &&
      (target.text !== after || target.exists !== record.existed);
    const runtimeBefore = scope !== "file" && record.runtimeBefore
      ? await readRuntime(options)
      : undefined;
    const runtime: RuntimeChange[] = [];
    if (runtimeBefore && record.runtimeBefore) {
      for (const field of KEEPALIVE_FIELDS) {
        if (runtimeBefore[field] !== record.runtimeBefore[field]) {
          runtime.push({
            field,
            key: KEEPALIVE_KEYS[field],
            current: runtimeBefore[field],
            desired: record.runtimeBefore[field],
          });
        }
      }
    }
    const patch = fileDiffers
      ? createTwoFilesPatch(
        target.exists ? `a${target.realPath}` : "/dev/null",
        record.existed ? `b${target.realPath}` : "/dev/null",
        target.text,
        after,
      ).replace(/^=+\n/, "")
      : "";
    const changes: ChangeSet = {
      path: record.path,
      realPath: record.realPath,
      exists: target.exists,
      before: target.text,
      after,
      patch,
      runtime,
      ...(runtimeBefore ? { runtimeBefore } : {}),
      changed: patch !== "" || runtime.length > 0,
      warnings: [],
    };
    if (options.dryRun) return changes;
    const written: KeepaliveField[] = [];
    try {
      if (fileDiffers) {
        if (record.existed) {
          await Deno.mkdir(dirname(target.hostPath), { recursive: true });
          await writeFileAtomic(target.hostPath, after, {
            onStep: options.onStep,
          });
        } else if (target.exists) {
          await Deno.remove(target.hostPath);
        }
      }
      await writeRuntimeValues(runtime, written, options);
    } catch (error) {
      const { done, failed } = await rollback(
        changes,
        target.hostPath,
        written,
        options,
      );
      throw new ApplyError(
        `Cannot restore: ${(error as Error).message}${
          done.length > 0 ? `; rolled back: ${done.join(", ")}` : ""
        }${
          failed.length > 0 ? `; ROLLBACK FAILED for ${failed.join("; ")}` : ""
        }`,
        failed.length === 0,
      );
    }
    return changes;
  });
}
