/**
 * Puts back what the last apply changed, from the backup it kept.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { changeSet, unifiedDiff } from "./_changes.ts";
import {
  failureMessage,
  rollback,
  underLock,
  writeRuntimeValues,
} from "./_apply_steps.ts";
import { checkRoot, fileChange, readTarget } from "./_target.ts";
import { ApplyError, type ApplyOptions } from "./apply.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import type { KeepaliveField } from "./keepalive.ts";
import { readRuntime } from "./runtime.ts";
import { readApplyRecord, STATE_FILES } from "./state.ts";
import type { ChangeSet } from "./types.ts";

/** Options of {@linkcode restoreKeepalive}. */
export interface RestoreOptions extends ApplyOptions {
  /**
   * Compute what would be restored without writing or locking anything.
   *
   * @default {false}
   */
  dryRun?: boolean;
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
    : underLock;
  await checkRoot(options);
  return await locked(options, async () => {
    const record = await readApplyRecord(options);
    if (record === undefined) {
      throw new ApplyError(
        `Cannot restore: no backup in "${
          join(root, dirname(STATE_FILES.backup))
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
    const patch = fileDiffers
      ? unifiedDiff(target.realPath, target.text, after, {
        before: target.exists,
        after: record.existed,
      })
      : "";
    const changes: ChangeSet = changeSet(
      {
        ...fileChange(target, after, patch),
        path: record.path,
        realPath: record.realPath,
      },
      runtimeBefore,
      record.runtimeBefore,
      [],
    );
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
      await writeRuntimeValues(changes.runtime, written, options);
    } catch (error) {
      const { done, failed } = await rollback(
        changes,
        target.hostPath,
        written,
        options,
      );
      throw new ApplyError(
        failureMessage("restore", error, { done, failed }),
        failed.length === 0,
      );
    }
    return changes;
  });
}
