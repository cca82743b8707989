/**
 * What is worth a warning about the managed file: lines a loader reads
 * differently from what they seem to say, duplicates, and a loader that
 * will not boot with its values. Internal to `sysctl/`.
 *
 * @module
 */

import {
  type BootLoader,
  lineEntries,
  type LoaderEntry,
  shown,
} from "./_loader_syntax.ts";
import type { Target } from "./_target.ts";
import {
  BOOT_DIRECTORIES,
  BOOT_LOADERS,
  type BootReport,
  SYSCTL_CONF,
} from "./boot_order.ts";
import { effectiveLines } from "./config_edit.ts";
import {
  normalizeSysctlKey,
  type SysctlLine,
  sysctlLines,
} from "./config_file.ts";
import {
  type KernelInfo,
  type KernelWrite,
  parseKernelWrite,
  refusal,
} from "./kernel_value.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  KERNEL_DEFAULTS,
} from "./keepalive.ts";

/** A key as someone would read it: any white space and dashes around it gone. */
function looksLike(written: string): string {
  const key = shown(written).trim().replace(/^-+/, "").trim();
  return normalizeSysctlKey(key).replace(/[./]+/g, ".").replace(/^\.|\.$/g, "")
    .toLowerCase();
}

/** What one loader makes of a keepalive line. */
interface Reading {
  entry?: LoaderEntry;
  write?: KernelWrite;
}

function readingOf(
  line: SysctlLine,
  field: KeepaliveField,
  loader: BootLoader,
  kernel: KernelInfo,
): Reading {
  const entry = lineEntries(line, loader).findLast((e) =>
    !e.glob && e.writes === KEEPALIVE_KEYS[field]
  );
  if (entry === undefined) return {};
  return entry.value === null
    ? { entry }
    : { entry, write: parseKernelWrite(field, entry.value, kernel) };
}

/** The warnings about one keepalive line, as `path:line: …`. */
function keepaliveLineWarnings(
  where: string,
  line: SysctlLine,
  field: KeepaliveField,
  kernel: KernelInfo,
): string[] {
  const key = KEEPALIVE_KEYS[field];
  const [procps, systemd] = BOOT_LOADERS.map((loader) =>
    readingOf(line, field, loader, kernel)
  );
  const readers = BOOT_LOADERS.filter((_, i) => [procps, systemd][i].entry);
  if (readers.length === 1) {
    const other = readers[0] === "procps" ? "systemd" : "procps";
    const theirs = lineEntries(line, other)[0]?.written ?? "";
    return [
      `${where}: only ${
        readers[0]
      } reads this line as ${key}; ${other} reads its key as ${
        JSON.stringify(shown(theirs))
      }, so write it plainly as ${key}`,
    ];
  }
  const value = procps.entry?.value ?? systemd.entry?.value;
  if (value === null || value === undefined) return [];
  const [p, s] = [procps.write!, systemd.write!];
  const text = shown(line.value ?? value);
  if (!p.accepted && !s.accepted) {
    return [
      `${where}: ${
        refusal(field, text, p)
      }: procps keeps the value set before this line, systemd leaves ${key} at the kernel default`,
    ];
  }
  if (!p.accepted || !s.accepted) {
    const [bad, good] = !p.accepted
      ? ["procps", s as { value: number }]
      : ["systemd", p as { value: number }];
    const refused = !p.accepted ? p : s;
    return [
      `${where}: under ${bad} ${refusal(field, text, refused)}, while ${
        bad === "procps" ? "systemd" : "procps"
      } reads ${good.value}`,
    ];
  }
  const warnings: string[] = [];
  const number = /^\s*-?[0-9a-fA-FxX]+/.exec(text)?.[0].trim() ?? "";
  if (/^-?0[0-9xX]/.test(number)) {
    warnings.push(
      `${where}: the kernel reads ${
        JSON.stringify(number)
      } for ${key} as ${p.value} (a leading 0 means octal, 0x hexadecimal)`,
    );
  }
  if (p.ignored !== undefined) {
    warnings.push(
      `${where}: the kernel reads ${key} = ${p.value} from ${
        JSON.stringify(text)
      } and ignores ${JSON.stringify(shown(p.ignored))}`,
    );
  }
  return warnings;
}

/**
 * Warnings about the managed file's own content: malformed lines, keepalive
 * lines a loader reads differently from what they seem to say (a value the
 * kernel refuses, reads as octal or cuts short; a key one loader does not
 * read), and duplicates.
 */
export function contentWarnings(
  target: Target,
  kernel: KernelInfo = {},
): string[] {
  const warnings: string[] = [];
  const keys = KEEPALIVE_FIELDS.map((field) => KEEPALIVE_KEYS[field]);
  // findDuplicateKeys() without a line object per line kept.
  const numbers = new Map<string, number[]>();
  for (const line of sysctlLines(target.text)) {
    if (line.kind === "assignment") {
      const seen = numbers.get(line.key!);
      if (seen === undefined) numbers.set(line.key!, [line.number]);
      else seen.push(line.number);
    }
    const where = `${target.path}:${line.number}`;
    if (line.kind === "malformed") {
      warnings.push(`${where}: ${line.problem} (left untouched)`);
    }
    if (!line.text.includes("keepalive") && !line.text.includes("KEEPALIVE")) {
      continue;
    }
    const read = KEEPALIVE_FIELDS.filter((field) =>
      BOOT_LOADERS.some((loader) =>
        readingOf(line, field, loader, kernel).entry !== undefined
      )
    );
    for (const field of read) {
      warnings.push(...keepaliveLineWarnings(where, line, field, kernel));
    }
    if (read.length > 0 || line.kind === "malformed") continue;
    const written = lineEntries(line, "systemd")[0]?.written ??
      lineEntries(line, "procps")[0]?.written;
    if (written !== undefined && keys.includes(looksLike(written))) {
      warnings.push(
        `${where}: neither loader reads ${JSON.stringify(shown(written))} as ${
          looksLike(written)
        }; write the key plainly`,
      );
    }
  }
  for (const [key, lines] of numbers) {
    if (lines.length < 2) continue;
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

/** The fields the target file names (an assignment in any form, or `-key`). */
export function fieldsSetBy(target: Target): KeepaliveField[] {
  const found = effectiveLines(
    target.text,
    KEEPALIVE_FIELDS.map((field) => KEEPALIVE_KEYS[field]),
  );
  return KEEPALIVE_FIELDS.filter((field) => found.has(KEEPALIVE_KEYS[field]));
}
