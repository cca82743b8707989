/**
 * Reads the sysctl configuration the way the boot loaders do: procps
 * `sysctl --system` and systemd-sysctl, under a root directory.
 *
 * @module
 */

import { join, posix } from "node:path";
import { bootValues, type FileEntry } from "./_boot_values.ts";
import {
  BOOT_LOADERS,
  type BootLoader,
  bytesToString,
  KEEPALIVE_LINES,
  readLoaderEntries,
  shown,
  toBytes,
} from "./_loader_syntax.ts";
import type { KernelInfo } from "./kernel_value.ts";
import { KEEPALIVE_FIELDS, type KeepaliveField } from "./keepalive.ts";
import { resolveInRoot } from "./resolve_in_root.ts";

export { BOOT_LOADERS, type BootLoader };

/**
 * Directories each loader reads `*.conf` from, highest priority first.
 * Debian's systemd 252 is built with split `/usr`, so it reads a real
 * `/lib/sysctl.d` too (where `/lib` links to `/usr/lib` it is the same
 * directory and read once).
 *
 * @example
 * ```ts
 * import { BOOT_DIRECTORIES } from "@lifeline/lifeline/sysctl";
 * console.log(BOOT_DIRECTORIES.systemd.at(-1)); // "/lib/sysctl.d"
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
      "/lib/sysctl.d",
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
  /**
   * Whether the loader reads nothing from it, though it still shadows the
   * same name in later directories: a link to `/dev/null`, a dangling link,
   * a symlink loop or a directory.
   */
  masked: boolean;
  /** Files with the same name in later directories that this one shadows. */
  shadows: string[];
}

/** Where a loader takes a key's boot value from. */
export interface BootSetting {
  /** The value as written. */
  value: string;
  /** The value the kernel takes from it (`0x3c` gives 60). */
  kernelValue: number;
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
  /**
   * The running kernel, whose timer frequency limits time and intvl.
   *
   * @default {{} (HZ 1000, Linux 5.13 or later)}
   */
  kernel?: KernelInfo;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Follows a path's links inside the root; a loop or a non-directory on the way reads as missing. */
async function resolveOrMissing(root: string, path: string) {
  try {
    return { ...await resolveInRoot(root, path), loop: false };
  } catch (error) {
    return {
      path,
      exists: false,
      isDirectory: false,
      loop: /too many symbolic links/.test((error as Error).message),
    };
  }
}

/** The names in a directory under the root, with the overrides that go there. */
async function namesIn(
  root: string,
  directory: string,
  overrides: ReadonlyMap<string, string>,
): Promise<string[]> {
  const dir = await resolveOrMissing(root, directory);
  const names = new Set<string>();
  if (dir.exists && dir.isDirectory) {
    try {
      for await (const entry of Deno.readDir(join(root, dir.path))) {
        names.add(entry.name);
      }
    } catch {
      // Unreadable: the loaders skip it too.
    }
  }
  for (const path of overrides.keys()) {
    if (posix.dirname(path) === dir.path) names.add(posix.basename(path));
  }
  return [...names].sort(byName);
}

/**
 * Lists the files a loader reads at boot, in order. A file name in an
 * earlier directory shadows the same name in later ones, whatever it is (a
 * directory, a dangling link or a symlink loop shadows and reads as
 * nothing); all names are sorted together; procps then reads
 * `/etc/sysctl.conf` if it is a regular file, systemd does not. A link to
 * `/dev/null` is masked.
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
  return (await bootFiles(loader, options)).map(({ file }) => file);
}

/** The files with why a masked one reads as nothing. */
async function bootFiles(
  loader: BootLoader,
  options: BootOptions,
): Promise<{ file: BootFile; why?: string }[]> {
  const root = options.root ?? "/";
  const overrides = options.overrides ?? new Map<string, string>();
  const byFileName = new Map<string, { file: BootFile; why?: string }>();
  for (const directory of BOOT_DIRECTORIES[loader]) {
    for (const name of await namesIn(root, directory, overrides)) {
      // procps reads any name ending in .conf; systemd skips hidden files.
      if (!name.endsWith(".conf")) continue;
      if (loader === "systemd" && name.startsWith(".")) continue;
      const path = `${directory}/${name}`;
      const shadowing = byFileName.get(name);
      if (shadowing !== undefined) {
        shadowing.file.shadows.push(path);
        continue;
      }
      const real = await resolveOrMissing(root, path);
      const planned = overrides.has(real.path);
      const why = real.loop
        ? "a symlink loop: neither loader can open it"
        : real.isDirectory
        ? "a directory: neither loader reads it"
        : !real.exists && !planned && real.path !== "/dev/null"
        ? `a dangling link to ${real.path}: procps fails to open it, systemd skips it`
        : undefined;
      byFileName.set(name, {
        file: {
          path,
          realPath: real.path,
          masked: real.path === "/dev/null" || why !== undefined,
          shadows: [],
        },
        ...(why !== undefined ? { why } : {}),
      });
    }
  }
  const files = [...byFileName.entries()].sort(([a], [b]) => byName(a, b))
    .map(([, file]) => file);
  if (loader === "procps") {
    const real = await resolveOrMissing(root, SYSCTL_CONF);
    const regular = real.exists && !real.isDirectory &&
      real.path !== "/dev/null" && !real.path.startsWith("/dev/");
    if (regular || overrides.has(real.path)) {
      files.push({
        file: {
          path: SYSCTL_CONF,
          realPath: real.path,
          masked: false,
          shadows: [],
        },
      });
    }
  }
  return files;
}

async function readBytes(
  root: string,
  file: BootFile,
  overrides: ReadonlyMap<string, string> | undefined,
): Promise<string> {
  const text = overrides?.get(file.realPath);
  if (text !== undefined) return toBytes(text);
  return bytesToString(await Deno.readFile(join(root, file.realPath)));
}

/**
 * Computes what a loader would set at boot for the three keepalive keys,
 * reading each file as that loader does (its line ends, white space, key
 * forms and `-key` exclusions) and each value as the kernel does (octal,
 * hexadecimal, trailing text, its limits at the kernel's HZ). procps writes
 * every assignment in turn, so the last one the kernel accepts wins and a
 * refused one leaves the value before it; systemd keeps one entry per key,
 * so a later refused value, an empty `key =` or a `-key` leaves the key at
 * the kernel default. An explicit key (or `-key`) takes precedence over
 * globs that match it, as procps 4 and systemd 245+ do.
 *
 * @param loader `"procps"` or `"systemd"`.
 * @param options The root, file contents to use instead of the disk's, and the kernel.
 * @returns The effective setting of each key, the files read and problems found.
 *
 * @example
 * ```ts
 * import { readBootConfig } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/etc`);
 * await Deno.writeTextFile(`${root}/etc/sysctl.conf`, "net.ipv4.tcp_keepalive_time = 0x258\n");
 * const report = await readBootConfig("procps", { root });
 * console.log(report.settings.time?.value, report.settings.time?.kernelValue); // "0x258" 600
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readBootConfig(
  loader: BootLoader,
  options: BootOptions = {},
): Promise<BootReport> {
  const root = options.root ?? "/";
  const listed = await bootFiles(loader, options);
  const issues: string[] = [];
  const entries: FileEntry[] = [];
  for (const { file, why } of listed) {
    if (why !== undefined) issues.push(`${file.path}: ${why}`);
    if (file.masked) continue;
    let bytes: string;
    try {
      bytes = await readBytes(root, file, options.overrides);
    } catch (error) {
      issues.push(`${file.path}: cannot read: ${(error as Error).message}`);
      continue;
    }
    const read = readLoaderEntries(bytes, loader, KEEPALIVE_LINES);
    for (const problem of read.problems) {
      issues.push(`${file.path}:${problem.line}: ${problem.message}`);
    }
    for (const entry of read.entries) {
      entries.push({ path: file.path, realPath: file.realPath, entry });
    }
  }
  const { values, issues: refused } = bootValues(
    entries,
    loader,
    options.kernel ?? {},
  );
  issues.push(...refused);
  const settings = {} as Record<KeepaliveField, BootSetting | undefined>;
  for (const field of KEEPALIVE_FIELDS) {
    const write = values[field];
    settings[field] = write === undefined ? undefined : {
      value: shown(write.from.entry.value!),
      kernelValue: write.value,
      path: write.from.path,
      realPath: write.from.realPath,
      line: write.from.entry.line,
      ...(write.from.entry.glob
        ? { glob: shown(write.from.entry.written) }
        : {}),
    };
  }
  return { loader, files: listed.map(({ file }) => file), settings, issues };
}
