/**
 * Following symlinks inside a root directory the way a chroot would, so
 * that a configuration tree under `--root` reads like the system it is.
 *
 * @module
 */

import { join } from "node:path";

/** The result of following a path's symlinks inside a root. */
export interface ResolvedPath {
  /** The real path, relative to the root. */
  path: string;
  /** Whether it exists. */
  exists: boolean;
  /** Whether it is a directory. */
  isDirectory: boolean;
}

/**
 * Follows symlinks inside a root the way a chroot would: absolute targets
 * are taken relative to the root, and `..` never leaves it.
 *
 * @param root The root directory on the host.
 * @param path An absolute path inside the root.
 * @returns The real path inside the root and whether it exists.
 * @throws {Error} On a symlink loop (more than 40 links).
 *
 * @example
 * ```ts
 * import { resolveInRoot } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/etc/sysctl.d`, { recursive: true });
 * await Deno.symlink("../sysctl.conf", `${root}/etc/sysctl.d/99-sysctl.conf`);
 * console.log((await resolveInRoot(root, "/etc/sysctl.d/99-sysctl.conf")).path); // "/etc/sysctl.conf"
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function resolveInRoot(
  root: string,
  path: string,
): Promise<ResolvedPath> {
  let pending = path.split("/").filter((part) => part !== "");
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const candidate = "/" + [...resolved, part].join("/");
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(join(root, candidate));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      const rest = pending.length > 0 ? "/" + pending.join("/") : "";
      return { path: candidate + rest, exists: false, isDirectory: false };
    }
    if (info.isSymlink) {
      if (++links > 40) {
        throw new Error(`Cannot resolve "${path}": too many symbolic links`);
      }
      const target = await Deno.readLink(join(root, candidate));
      if (target.startsWith("/")) resolved.length = 0;
      pending = [...target.split("/").filter((p) => p !== ""), ...pending];
      continue;
    }
    resolved.push(part);
    if (pending.length === 0) {
      return {
        path: "/" + resolved.join("/"),
        exists: true,
        isDirectory: info.isDirectory,
      };
    }
  }
  const real = "/" + resolved.join("/");
  const info = await Deno.stat(join(root, real));
  return { path: real, exists: true, isDirectory: info.isDirectory };
}
