/**
 * The file being managed: where it really is under the root, what it holds,
 * and what the boot loaders make of it. Internal to `sysctl/`.
 *
 * @module
 */

import { join } from "node:path";
import type { FileChange } from "./_changes.ts";
import {
  findDuplicateKeys,
  parseSysctlConfig,
  type SysctlConfig,
} from "./config_file.ts";
import {
  BOOT_DIRECTORIES,
  BOOT_LOADERS,
  type BootLoader,
  type BootReport,
  resolveInRoot,
  SYSCTL_CONF,
} from "./boot_order.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  keepaliveFieldOf,
  KERNEL_DEFAULTS,
} from "./keepalive.ts";
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
  /** Its parsed content. */
  config: SysctlConfig;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Resolves the managed file inside the root and reads it (empty when missing). */
export async function readTarget(options: ManagerOptions): Promise<Target> {
  const root = options.root ?? "/";
  const path = options.file ?? SYSCTL_CONF;
  if (!path.startsWith("/")) {
    throw new TypeError(
      `Invalid file "${path}": expected an absolute path such as /etc/sysctl.d/60-keepalive.conf`,
    );
  }
  const real = await resolveInRoot(root, path);
  if (real.path === "/dev/null") {
    throw new Error(
      `Cannot manage "${path}": it is masked (a link to /dev/null)`,
    );
  }
  if (real.isDirectory) {
    throw new Error(`Cannot manage "${path}": it is a directory`);
  }
  const hostPath = join(root, real.path);
  let text = "";
  if (real.exists) {
    const bytes = await Deno.readFile(hostPath);
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new Error(
        `Cannot manage "${path}": it is not UTF-8 text, left untouched`,
      );
    }
  }
  return {
    path,
    realPath: real.path,
    hostPath,
    exists: real.exists,
    text,
    config: parseSysctlConfig(text),
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

/**
 * Warnings about the managed file's own content: malformed lines, keepalive
 * values the kernel refuses (not counted as setting the key), duplicates.
 */
export function contentWarnings(target: Target): string[] {
  const warnings: string[] = [];
  for (const line of target.config.lines) {
    if (line.kind === "malformed") {
      warnings.push(
        `${target.path}:${line.number}: ${line.problem} (left untouched)`,
      );
    } else if (
      line.kind === "assignment" && !line.glob &&
      keepaliveFieldOf(line.key!) !== undefined &&
      !/^[+-]?\d+$/.test(line.value!)
    ) {
      const hint = /[#;]/.test(line.value!)
        ? " (a comment must be on a line of its own)"
        : "";
      warnings.push(
        `${target.path}:${line.number}: the kernel refuses "${line.value}" for ${line.key}${hint}; left untouched and not counted as setting it`,
      );
    }
  }
  for (const { key, lines } of findDuplicateKeys(target.config)) {
    warnings.push(
      `${target.path}: ${key} is set on lines ${
        lines.join(", ")
      }; the last (line ${lines.at(-1)}) is effective`,
    );
  }
  return warnings;
}

function notLoadedReason(
  loader: BootLoader,
  target: Target,
  report: BootReport,
): string {
  const name = target.realPath.split("/").at(-1)!;
  const dir = target.realPath.slice(0, -name.length - 1);
  if (
    loader === "systemd" &&
    (target.path === SYSCTL_CONF || target.realPath === SYSCTL_CONF)
  ) {
    return `systemd-sysctl does not read ${SYSCTL_CONF}, and no /etc/sysctl.d/*.conf links to it (Debian's 99-sysctl.conf -> ../sysctl.conf): on systemd these values are not loaded at boot; add that link or use --file /etc/sysctl.d/60-keepalive.conf`;
  }
  const shadow = report.files.find((file) =>
    file.shadows.some((path) => path === target.realPath)
  );
  if (shadow !== undefined) {
    return `${loader} does not load ${target.path} at boot: ${shadow.path} has the same name and shadows it`;
  }
  const masked = report.files.find((file) =>
    file.masked && file.path.endsWith(`/${name}`)
  );
  if (masked !== undefined) {
    return `${loader} does not load ${target.path} at boot: ${masked.path} masks it`;
  }
  if (!name.endsWith(".conf") || !BOOT_DIRECTORIES[loader].includes(dir)) {
    return `${loader} does not load ${target.path} at boot: only *.conf files in ${
      BOOT_DIRECTORIES[loader].join(", ")
    }${loader === "procps" ? ` and ${SYSCTL_CONF}` : ""} are read`;
  }
  return `${loader} does not load ${target.path} at boot`;
}

/**
 * Warnings that the managed file will not give the boot value: a loader
 * does not read it, or a later file overrides one of `fields`.
 */
export function loaderWarnings(
  target: Target,
  reports: Record<BootLoader, BootReport>,
  fields: readonly KeepaliveField[],
): string[] {
  const warnings: string[] = [];
  for (const loader of BOOT_LOADERS) {
    const report = reports[loader];
    const loaded = report.files.some((file) =>
      file.realPath === target.realPath && !file.masked
    );
    if (!loaded) {
      warnings.push(notLoadedReason(loader, target, report));
      continue;
    }
    for (const field of fields) {
      const setting = report.settings[field];
      if (setting === undefined) {
        const key = KEEPALIVE_KEYS[field];
        warnings.push(
          `under ${loader} ${key} is not set at boot (the kernel default ${
            KERNEL_DEFAULTS[field]
          } stays): a later "-${key}" or a value the kernel refuses replaces the assignment in ${target.path}`,
        );
        continue;
      }
      if (setting.realPath === target.realPath) continue;
      warnings.push(
        `${setting.path}:${setting.line} sets ${
          KEEPALIVE_KEYS[field]
        } = ${setting.value}${
          setting.glob ? ` (glob ${setting.glob})` : ""
        } after ${target.path}: under ${loader} the boot value is ${setting.value}`,
      );
    }
  }
  return warnings;
}

/** The fields the target file sets. */
export function fieldsSetBy(target: Target): KeepaliveField[] {
  return KEEPALIVE_FIELDS.filter((field) =>
    target.config.lines.some((line) =>
      line.kind === "assignment" && line.key === KEEPALIVE_KEYS[field]
    )
  );
}
