/**
 * Reads the sysctl configuration the way the boot loaders do: procps
 * `sysctl --system` and systemd-sysctl, under a root directory.
 *
 * @module
 */

import { join, posix } from "node:path";
import { parseSysctlConfig, type SysctlLine } from "./config_file.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
} from "./keepalive.ts";

/** The program that loads sysctl files at boot. */
export type BootLoader = "procps" | "systemd";

/**
 * Both loaders, in the order reports show them.
 *
 * @example
 * ```ts
 * import { BOOT_LOADERS } from "@lifeline/lifeline/sysctl";
 * console.log(BOOT_LOADERS); // [ "procps", "systemd" ]
 * ```
 */
export const BOOT_LOADERS: readonly BootLoader[] = ["procps", "systemd"];

/**
 * Directories each loader reads `*.conf` from, highest priority first.
 *
 * @example
 * ```ts
 * import { BOOT_DIRECTORIES } from "@lifeline/lifeline/sysctl";
 * console.log(BOOT_DIRECTORIES.procps.at(-1)); // "/lib/sysctl.d", which systemd does not read
 * ```
 */
export const BOOT_DIRECTORIES: Readonly<Record<BootLoader, readonly string[]>> =
  {
    procps: [
      "/etc/sysctl.d",
      "/run/sysctl.d",
      "/usr/local/lib/sysctl.d",
      "/usr/lib/sysctl.d",
      "/lib/sysctl.d",
    ],
    systemd: [
      "/etc/sysctl.d",
      "/run/sysctl.d",
      "/usr/local/lib/sysctl.d",
      "/usr/lib/sysctl.d",
    ],
  };

/**
 * The file procps applies after every drop-in, and systemd ignores.
 *
 * @example
 * ```ts
 * import { SYSCTL_CONF } from "@lifeline/lifeline/sysctl";
 * console.log(SYSCTL_CONF); // "/etc/sysctl.conf"
 * ```
 */
export const SYSCTL_CONF = "/etc/sysctl.conf";

/** A file a loader reads at boot, in the order it reads them. */
export interface BootFile {
  /** The path as the loader names it, relative to the root (`/etc/sysctl.d/99-sysctl.conf`). */
  path: string;
  /** The path after following symlinks inside the root (`/etc/sysctl.conf`). */
  realPath: string;
  /** Whether the file is masked: a link to `/dev/null` or missing after links. */
  masked: boolean;
  /** Files with the same name in later directories that this one shadows. */
  shadows: string[];
}

/** Where a loader takes a key's boot value from. */
export interface BootSetting {
  /** The value as written. */
  value: string;
  /** The file as the loader names it. */
  path: string;
  /** The file after following symlinks. */
  realPath: string;
  /** 1-based line number. */
  line: number;
  /** The glob pattern that matched the key, when the line is a glob. */
  glob?: string;
}

/** What one loader would set at boot. */
export interface BootReport {
  /** The loader. */
  loader: BootLoader;
  /** The files it reads, in order. */
  files: BootFile[];
  /** The effective setting of each keepalive key, or `undefined` for the kernel default. */
  settings: Record<KeepaliveField, BootSetting | undefined>;
  /** Problems found in the files, as `path:line: message`. */
  issues: string[];
}

/** Options of {@linkcode readBootConfig} and {@linkcode listBootFiles}. */
export interface BootOptions {
  /**
   * The directory every configuration path is relative to.
   *
   * @default {"/"}
   */
  root?: string;
  /**
   * File contents to use instead of what is on disk, by real path relative
   * to the root; a path that does not exist yet is read as if it did.
   *
   * @default {undefined}
   */
  overrides?: ReadonlyMap<string, string>;
}

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

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists the files a loader reads at boot, in order. A file name in an
 * earlier directory shadows the same name in later ones; all names are
 * sorted together; procps then reads `/etc/sysctl.conf`, systemd does not.
 * A link to `/dev/null` is masked (systemd) or read as empty (procps).
 *
 * @param loader `"procps"` or `"systemd"`.
 * @param options The root, and files that will exist.
 * @returns The files in the order the loader applies them.
 *
 * @example
 * ```ts
 * import { listBootFiles } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/etc/sysctl.d`, { recursive: true });
 * await Deno.writeTextFile(`${root}/etc/sysctl.d/10-a.conf`, "");
 * await Deno.writeTextFile(`${root}/etc/sysctl.conf`, "");
 * console.log((await listBootFiles("procps", { root })).map((f) => f.path));
 * // [ "/etc/sysctl.d/10-a.conf", "/etc/sysctl.conf" ]
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function listBootFiles(
  loader: BootLoader,
  options: BootOptions = {},
): Promise<BootFile[]> {
  const root = options.root ?? "/";
  const overrides = options.overrides ?? new Map<string, string>();
  const byFileName = new Map<string, BootFile>();
  for (const directory of BOOT_DIRECTORIES[loader]) {
    const dir = await resolveInRoot(root, directory);
    const names = new Set<string>();
    if (dir.exists && dir.isDirectory) {
      for await (const entry of Deno.readDir(join(root, dir.path))) {
        names.add(entry.name);
      }
    }
    for (const path of overrides.keys()) {
      if (posix.dirname(path) === dir.path) names.add(posix.basename(path));
    }
    for (const name of [...names].sort(byName)) {
      if (!name.endsWith(".conf")) continue;
      // systemd skips hidden files; procps reads any name ending in .conf.
      if (loader === "systemd" && name.startsWith(".")) continue;
      const path = `${directory}/${name}`;
      const shadowing = byFileName.get(name);
      if (shadowing !== undefined) {
        shadowing.shadows.push(path);
        continue;
      }
      const real = await resolveInRoot(root, path);
      if (real.isDirectory) continue;
      const masked = real.path === "/dev/null" ||
        (!real.exists && !overrides.has(real.path));
      byFileName.set(name, {
        path,
        realPath: real.path,
        masked,
        shadows: [],
      });
    }
  }
  const files = [...byFileName.entries()].sort(([a], [b]) => byName(a, b)).map((
    [, file],
  ) => file);
  if (loader === "procps") {
    const real = await resolveInRoot(root, SYSCTL_CONF);
    if ((real.exists && !real.isDirectory) || overrides.has(real.path)) {
      if (real.path !== "/dev/null") {
        files.push({
          path: SYSCTL_CONF,
          realPath: real.path,
          masked: false,
          shadows: [],
        });
      }
    }
  }
  return files;
}

function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") source += "[^.]*";
    else if (c === "?") source += "[^.]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) {
        source += "\\[";
        continue;
      }
      let set = pattern.slice(i + 1, end);
      if (set.startsWith("!")) set = "^" + set.slice(1);
      source += `[${set.replaceAll("\\", "\\\\")}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * Computes what a loader would set at boot for the three keepalive keys.
 * Both loaders apply files in order, so the last assignment wins; an
 * explicit key (or a `-key` exclusion) anywhere takes precedence over glob
 * patterns that match it, as procps 4 and systemd 245+ do. Lines with a
 * value the kernel would refuse are reported; procps keeps the value written
 * before them, while systemd, which keeps only a key's last entry, leaves the
 * key unset after them, as after a `-key` without a value.
 *
 * @param loader `"procps"` or `"systemd"`.
 * @param options The root, and file contents to use instead of the disk's.
 * @returns The effective setting of each key, the files read and problems found.
 *
 * @example
 * ```ts
 * import { readBootConfig } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/etc`);
 * await Deno.writeTextFile(`${root}/etc/sysctl.conf`, "net.ipv4.tcp_keepalive_time = 600\n");
 * const report = await readBootConfig("procps", { root });
 * console.log(report.settings.time?.value); // "600"
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readBootConfig(
  loader: BootLoader,
  options: BootOptions = {},
): Promise<BootReport> {
  const root = options.root ?? "/";
  const files = await listBootFiles(loader, options);
  const issues: string[] = [];
  const entries: { file: BootFile; line: SysctlLine }[] = [];
  for (const file of files) {
    if (file.masked && file.realPath !== "/dev/null") {
      issues.push(
        `${file.path}: a dangling link to ${file.realPath}: procps fails to open it, systemd skips it`,
      );
    }
    if (file.masked) continue;
    let text = options.overrides?.get(file.realPath);
    if (text === undefined) {
      try {
        text = await Deno.readTextFile(join(root, file.realPath));
      } catch (error) {
        issues.push(`${file.path}: cannot read: ${(error as Error).message}`);
        continue;
      }
    }
    for (const line of parseSysctlConfig(text).lines) {
      if (line.kind === "malformed") {
        issues.push(`${file.path}:${line.number}: ${line.problem}`);
      } else if (line.kind === "assignment" || line.kind === "exclude") {
        entries.push({ file, line });
      }
    }
  }
  const settings = {} as Record<KeepaliveField, BootSetting | undefined>;
  for (const field of KEEPALIVE_FIELDS) {
    const key = KEEPALIVE_KEYS[field];
    const explicit = entries.filter(({ line }) =>
      !line.glob && line.key === key
    );
    const candidates = explicit.length > 0 ? explicit : entries.filter((
      { line },
    ) => line.glob && globToRegExp(line.key!).test(key));
    let winner: BootSetting | undefined;
    for (const { file, line } of candidates) {
      if (line.kind !== "assignment") {
        // systemd-sysctl keeps one entry per key, and a later "-key" without
        // a value replaces the assignment: the key is not set at all. procps
        // only uses "-key" to exclude the key from globs.
        if (loader === "systemd" && !line.glob) winner = undefined;
        continue;
      }
      if (!/^[+-]?\d+$/.test(line.value!)) {
        issues.push(
          `${file.path}:${line.number}: the kernel refuses "${line.value}" for ${key}`,
        );
        // procps has written the earlier value, which stays; systemd has
        // replaced it with this one, so nothing is set.
        if (loader === "systemd" && !line.glob) winner = undefined;
        continue;
      }
      winner = {
        value: line.value!,
        path: file.path,
        realPath: file.realPath,
        line: line.number,
        ...(line.glob ? { glob: line.key } : {}),
      };
    }
    settings[field] = winner;
  }
  return { loader, files, settings, issues };
}
