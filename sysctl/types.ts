/**
 * The shapes the manager, `apply` and `restore` share: where the
 * configuration lives, what a change touches and what it would change.
 *
 * @module
 */

import type { KeepaliveField, KeepaliveSettings } from "./keepalive.ts";

/** Where the configuration, the kernel values and the state live. */
export interface ManagerOptions {
  /**
   * The directory every configuration path is relative to; it must exist.
   *
   * @default {"/"}
   */
  root?: string;
  /**
   * The file to manage, relative to the root.
   *
   * @default {"/etc/sysctl.conf"}
   */
  file?: string;
  /**
   * Where procfs is mounted (not relative to the root).
   *
   * @default {"/proc"}
   */
  procDir?: string;
}

/** What a change touches: the file and the kernel, or only one of them. */
export type ChangeScope = "both" | "file" | "runtime";

/** Options of {@linkcode planChanges}. */
export interface ChangeOptions extends ManagerOptions {
  /**
   * What to compare and change.
   *
   * @default {"both"}
   */
  scope?: ChangeScope;
}

/** One kernel value that would change. */
export interface RuntimeChange {
  /** The short name. */
  field: KeepaliveField;
  /** The sysctl key. */
  key: string;
  /** The value now. */
  current: number;
  /** The value wanted. */
  desired: number;
}

/** What applying a set of values would change. */
export interface ChangeSet {
  /** The managed file as given and where it really is, relative to the root. */
  path: string;
  /** The real path after symlinks, relative to the root. */
  realPath: string;
  /** Whether the file exists now. */
  exists: boolean;
  /** The file's content now. */
  before: string;
  /** The file's content after the change. */
  after: string;
  /** A unified diff from `before` to `after`; empty when equal. */
  patch: string;
  /** Kernel values that differ (empty for the `"file"` scope). */
  runtime: RuntimeChange[];
  /** The runtime values now, when the scope includes them. */
  runtimeBefore?: KeepaliveSettings;
  /** Whether anything would change. */
  changed: boolean;
  /** Duplicates, malformed lines, loader overrides, risky values. */
  warnings: string[];
}
