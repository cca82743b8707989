/**
 * The file being managed: where it really is under the root, what it holds,
 * and what the boot loaders make of it. Internal to `sysctl/`.
 *
 * @module
 */

import { join } from "node:path";
import type { FileChange } from "./_changes.ts";
import { SYSCTL_CONF } from "./boot_order.ts";
import { resolveInRoot } from "./resolve_in_root.ts";
import type { ManagerOptions } from "./types.ts";

/** The managed file as read from disk. */
export interface Target {
  /** The path as given, relative to the root. */
  path: string;
  /** The path after following symlinks inside the root. */
  realPath: string;
  /** The real file on the host (root joined with `realPath`). */
  hostPath: string;
  /** Whether the file exists. */
  exists: boolean;
  /** Its content (empty when it does not exist). */
  text: string;
  /** Why it cannot be managed (only with `tolerant`); it then reads as empty. */
  problem?: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Refuses a root that does not exist or is not a directory, before
 * anything (a lock, a state directory) is created under it.
 */
export async function checkRoot(options: ManagerOptions): Promise<void> {
  const root = options.root ?? "/";
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(root);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot use root "${root}": it does not exist`);
    }
    throw error;
  }
  if (!info.isDirectory) {
    throw new Error(`Cannot use root "${root}": it is not a directory`);
  }
}

/** Options of {@linkcode readTarget}. */
export interface TargetOptions {
  /**
   * Report a file that cannot be managed (masked, a directory, a symlink
   * loop, not UTF-8) in `problem` instead of throwing, for `show`.
   */
  tolerant?: boolean;
}

/** Resolves the managed file inside the root and reads it (empty when missing). */
export async function readTarget(
  options: ManagerOptions,
  how: TargetOptions = {},
): Promise<Target> {
  const root = options.root ?? "/";
  const path = options.file ?? SYSCTL_CONF;
  if (!path.startsWith("/")) {
    throw new TypeError(
      `Invalid file "${path}": expected an absolute path such as /etc/sysctl.d/60-keepalive.conf`,
    );
  }
  await checkRoot(options);
  const refuse = (realPath: string, why: string): Target => {
    const problem = `Cannot manage "${path}": ${why}`;
    if (!how.tolerant) throw new Error(problem);
    return {
      path,
      realPath,
      hostPath: join(root, realPath),
      exists: false,
      text: "",
      problem,
    };
  };
  let real;
  try {
    real = await resolveInRoot(root, path);
  } catch (error) {
    return refuse(path, (error as Error).message);
  }
  if (real.path === "/dev/null") {
    return refuse(real.path, "it is masked (a link to /dev/null)");
  }
  if (real.isDirectory) return refuse(real.path, "it is a directory");
  const hostPath = join(root, real.path);
  let text = "";
  if (real.exists) {
    const bytes = await Deno.readFile(hostPath);
    try {
      text = decoder.decode(bytes);
    } catch {
      return refuse(real.path, "it is not UTF-8 text, left untouched");
    }
  }
  return {
    path,
    realPath: real.path,
    hostPath,
    exists: real.exists,
    text,
  };
}

/** The file half of a change set that takes the target from its text to `after`. */
export function fileChange(
  target: Target,
  after: string,
  patch: string,
): FileChange {
  return {
    path: target.path,
    realPath: target.realPath,
    exists: target.exists,
    before: target.text,
    after,
    patch,
  };
}
