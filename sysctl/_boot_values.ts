/**
 * What each loader writes to a keepalive sysctl at boot, from the entries
 * of its files in order. procps (`write_setting_list`) writes every entry
 * in turn, and a glob's match unless an entry has exactly that path; the
 * last write the kernel accepts wins. systemd (`parse_file`, `apply_all`)
 * keeps one entry per normalized key (a new value replaces it and moves it
 * last, the same value keeps its place), writes an explicit key once, and
 * a glob's match unless an entry for that key exists. Internal to
 * `sysctl/`.
 *
 * @module
 */

import {
  type BootLoader,
  globMatch,
  type LoaderEntry,
  shown,
} from "./_loader_syntax.ts";
import { type KernelInfo, parseKernelWrite, refusal } from "./kernel_value.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
} from "./keepalive.ts";

/** An entry with the file it comes from. */
export interface FileEntry {
  /** The file as the loader names it. */
  path: string;
  /** The file after symlinks. */
  realPath: string;
  /** The entry. */
  entry: LoaderEntry;
}

/** The write that gives a key its boot value. */
export interface BootWrite {
  /** Where it comes from. */
  from: FileEntry;
  /** The value the kernel keeps. */
  value: number;
}

/** The writes a loader makes to one sysctl, in order. */
function writesTo(
  entries: FileEntry[],
  dotted: string,
  loader: BootLoader,
): FileEntry[] {
  if (loader === "procps") {
    const paths = new Set(entries.map(({ entry }) => entry.key));
    return entries.filter(({ entry }) => {
      if (entry.value === null) return false;
      if (!entry.glob) return entry.writes === dotted;
      const match = globMatch(entry, dotted, loader);
      return match !== undefined && !paths.has(match);
    });
  }
  const kept = new Map<string, FileEntry>();
  for (const item of entries) {
    const existing = kept.get(item.entry.key);
    if (existing !== undefined && existing.entry.value === item.entry.value) {
      continue;
    }
    kept.delete(item.entry.key);
    kept.set(item.entry.key, item);
  }
  const explicit = [...kept.values()].filter(({ entry }) =>
    !entry.glob && entry.writes === dotted
  );
  if (explicit.length > 0) {
    return explicit.filter(({ entry }) => entry.value !== null);
  }
  return [...kept.values()].filter(({ entry }) =>
    entry.glob && entry.value !== null &&
    globMatch(entry, dotted, loader) !== undefined &&
    !kept.has(globMatch(entry, dotted, loader)!)
  );
}

/**
 * The boot value of each keepalive sysctl under a loader (the last write
 * the kernel accepts, `undefined` for the kernel default) and the refused
 * writes as `path:line: the kernel refuses …`.
 */
export function bootValues(
  entries: FileEntry[],
  loader: BootLoader,
  kernel: KernelInfo,
): {
  values: Record<KeepaliveField, BootWrite | undefined>;
  issues: string[];
} {
  const values = {} as Record<KeepaliveField, BootWrite | undefined>;
  const issues: string[] = [];
  for (const field of KEEPALIVE_FIELDS) {
    let winner: BootWrite | undefined;
    for (const from of writesTo(entries, KEEPALIVE_KEYS[field], loader)) {
      const write = parseKernelWrite(
        field,
        from.entry.value!,
        kernel,
      );
      if (write.accepted) winner = { from, value: write.value };
      else {
        issues.push(
          `${from.path}:${from.entry.line}: ${
            refusal(field, shown(from.entry.value!), write)
          }`,
        );
      }
    }
    values[field] = winner;
  }
  return { values, issues };
}
