/**
 * The two halves of a change set, the unified diff of the file and the
 * kernel values that differ, and the change set that holds them. Internal
 * to `sysctl/`.
 *
 * @module
 */

import { createTwoFilesPatch } from "diff";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveSettings,
} from "./keepalive.ts";
import type { ChangeSet, RuntimeChange } from "./types.ts";

/**
 * A unified diff of a file under the root (`--- a/etc/sysctl.conf`), with
 * `/dev/null` for a side where the file does not exist; empty when nothing
 * changes.
 */
export function unifiedDiff(
  realPath: string,
  before: string,
  after: string,
  exists: { before: boolean; after: boolean },
): string {
  if (before === after && exists.before === exists.after) return "";
  return createTwoFilesPatch(
    exists.before ? `a${realPath}` : "/dev/null",
    exists.after ? `b${realPath}` : "/dev/null",
    before,
    after,
    undefined,
    undefined,
    { context: 3 },
  ).replace(/^=+\n/, "");
}

/** The kernel values to write to go from `now` to `wanted`, in kernel order. */
export function runtimeChanges(
  now: KeepaliveSettings,
  wanted: Partial<KeepaliveSettings>,
): RuntimeChange[] {
  const changes: RuntimeChange[] = [];
  for (const field of KEEPALIVE_FIELDS) {
    const desired = wanted[field];
    if (desired === undefined || now[field] === desired) continue;
    changes.push({
      field,
      key: KEEPALIVE_KEYS[field],
      current: now[field],
      desired,
    });
  }
  return changes;
}

/** The file half of a change set. */
export type FileChange = Pick<
  ChangeSet,
  "path" | "realPath" | "exists" | "before" | "after" | "patch"
>;

/**
 * A change set from the file's change and the kernel values: those of
 * `wanted` that differ from `runtimeBefore` (none without it).
 */
export function changeSet(
  file: FileChange,
  runtimeBefore: KeepaliveSettings | undefined,
  wanted: Partial<KeepaliveSettings> | undefined,
  warnings: string[],
): ChangeSet {
  const runtime = runtimeBefore && wanted
    ? runtimeChanges(runtimeBefore, wanted)
    : [];
  return {
    ...file,
    runtime,
    ...(runtimeBefore ? { runtimeBefore } : {}),
    changed: file.patch !== "" || runtime.length > 0,
    warnings: [...new Set(warnings)],
  };
}
