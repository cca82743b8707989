/**
 * The two halves of a change set, the unified diff of the file and the
 * kernel values that differ, and the change set that holds them. Internal
 * to `sysctl/`.
 *
 * @module
 */

import {
  createTwoFilesPatch,
  formatPatch,
  structuredPatch,
  type StructuredPatchHunk,
} from "diff";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveSettings,
} from "./keepalive.ts";
import type { ChangeSet, RuntimeChange } from "./types.ts";

/** Lines of context around a change, as `diff -u`. */
const CONTEXT = 3;
/** More changed lines than this and the whole texts are diffed. */
const MAX_WINDOWED = 1000;
/** Texts smaller than this are diffed whole. */
const SMALL = 1 << 20;

/** The offsets where each line starts, and the text's length last. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (
    let at = text.indexOf("\n");
    at !== -1;
    at = text.indexOf("\n", at + 1)
  ) {
    if (at + 1 < text.length) starts.push(at + 1);
  }
  starts.push(text.length);
  if (text === "") starts.length = 1;
  return starts;
}

/**
 * The line numbers (0-based) where two texts differ line by line, when the
 * change only rewrites lines in place and adds or drops lines at the end
 * (what an apply or a restore does), and they are few; `undefined` for
 * anything else.
 */
function changedLines(
  before: number[],
  after: number[],
  a: string,
  b: string,
): number[] | undefined {
  const lines = Math.max(before.length, after.length) - 1;
  const changed: number[] = [];
  for (let i = 0; i < lines; i++) {
    const left = i < before.length - 1
      ? a.slice(before[i], before[i + 1])
      : undefined;
    const right = i < after.length - 1
      ? b.slice(after[i], after[i + 1])
      : undefined;
    if (left !== right) {
      changed.push(i);
      if (changed.length > MAX_WINDOWED) return undefined;
    }
  }
  return changed;
}

/**
 * A unified diff of a file under the root (`--- a/etc/sysctl.conf`), with
 * `/dev/null` for a side where the file does not exist; empty when nothing
 * changes. In a file of a megabyte or more, a few rewritten lines are
 * diffed around them only, so the cost follows the change, not the file.
 */
export function unifiedDiff(
  realPath: string,
  before: string,
  after: string,
  exists: { before: boolean; after: boolean },
): string {
  if (before === after && exists.before === exists.after) return "";
  const oldName = exists.before ? `a${realPath}` : "/dev/null";
  const newName = exists.after ? `b${realPath}` : "/dev/null";
  const whole = () =>
    createTwoFilesPatch(oldName, newName, before, after, undefined, undefined, {
      context: CONTEXT,
    }).replace(/^=+\n/, "");
  if (before.length + after.length < SMALL) return whole();
  const a = lineStarts(before);
  const b = lineStarts(after);
  const changed = changedLines(a, b, before, after);
  if (changed === undefined || changed.length === 0) return whole();
  const hunks: StructuredPatchHunk[] = [];
  let first = 0;
  for (let i = 1; i <= changed.length; i++) {
    if (i < changed.length && changed[i] - changed[i - 1] <= 2 * CONTEXT) {
      continue;
    }
    const from = Math.max(0, changed[first] - CONTEXT);
    const to = changed[i - 1] + CONTEXT + 1;
    const slice = (text: string, starts: number[]) =>
      text.slice(
        starts[Math.min(from, starts.length - 1)],
        starts[Math.min(to, starts.length - 1)],
      );
    const part = structuredPatch(
      oldName,
      newName,
      slice(before, a),
      slice(after, b),
      undefined,
      undefined,
      { context: CONTEXT },
    );
    for (const hunk of part.hunks) {
      hunks.push({
        ...hunk,
        oldStart: hunk.oldStart + from,
        newStart: hunk.newStart + from,
      });
    }
    first = i;
  }
  return formatPatch({
    oldFileName: oldName,
    newFileName: newName,
    oldHeader: undefined,
    newHeader: undefined,
    hunks,
  }).replace(/^=+\n/, "");
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
