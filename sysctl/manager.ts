/**
 * What the keepalive settings are (runtime and at boot) and what a change
 * would do: the data behind `show`, `diff` and `check`.
 *
 * @module
 */

import { changeSet, unifiedDiff } from "./_changes.ts";
import { fileChange, readTarget } from "./_target.ts";
import {
  contentWarnings,
  fieldsSetBy,
  loaderWarnings,
} from "./_target_warnings.ts";
import {
  BOOT_LOADERS,
  type BootFile,
  type BootLoader,
  type BootReport,
  type BootSetting,
  readBootConfig,
} from "./boot_order.ts";
import { setSysctlText } from "./config_edit.ts";
import type { KernelInfo } from "./kernel_value.ts";
import {
  detectionSeconds,
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  type KeepaliveSettings,
  KERNEL_DEFAULTS,
  validateKeepalive,
} from "./keepalive.ts";
import {
  type NamespaceInfo,
  networkNamespace,
  readKernelInfo,
  readRuntime,
} from "./runtime.ts";
import type { ChangeOptions, ChangeSet, ManagerOptions } from "./types.ts";
import { keepaliveWarnings } from "./warnings.ts";

/** What one loader would set at boot, with the kernel defaults filled in. */
export interface BootView {
  /** The setting of each key, or `undefined` when the kernel default applies. */
  settings: Record<KeepaliveField, BootSetting | undefined>;
  /** The values in effect after boot. */
  effective: KeepaliveSettings;
  /** Their worst-case detection time in seconds. */
  detectionSeconds: number;
  /** The files read at boot, in order. */
  files: BootFile[];
  /** Problems found in those files. */
  issues: string[];
}

/** Everything `show` reports. */
export interface KeepaliveReport {
  /** The managed file, relative to the root, and where it really is. */
  target: { path: string; realPath: string; exists: boolean };
  /** The network namespace the runtime values belong to. */
  namespace: NamespaceInfo;
  /** The values the kernel uses now, unless they could not be read. */
  runtime?: KeepaliveSettings;
  /** Why the runtime values could not be read. */
  runtimeError?: string;
  /** Worst-case detection time of the runtime values, in seconds. */
  runtimeDetectionSeconds?: number;
  /** What each loader sets at boot. */
  boot: Record<BootLoader, BootView>;
  /** Everything worth a second look. */
  warnings: string[];
}

async function bootViews(
  root: string,
  kernel: KernelInfo,
  overrides?: ReadonlyMap<string, string>,
): Promise<
  {
    reports: Record<BootLoader, BootReport>;
    views: Record<BootLoader, BootView>;
  }
> {
  const reports = {} as Record<BootLoader, BootReport>;
  const views = {} as Record<BootLoader, BootView>;
  for (const loader of BOOT_LOADERS) {
    const report = await readBootConfig(loader, { root, overrides, kernel });
    reports[loader] = report;
    const effective = {} as KeepaliveSettings;
    for (const field of KEEPALIVE_FIELDS) {
      const setting = report.settings[field];
      effective[field] = setting === undefined
        ? KERNEL_DEFAULTS[field]
        : setting.kernelValue;
    }
    views[loader] = {
      settings: report.settings,
      effective,
      detectionSeconds: detectionSeconds(effective),
      files: report.files,
      issues: report.issues,
    };
  }
  return { reports, views };
}

/**
 * Reads the runtime values, what each boot loader would set and from which
 * file and line, and the warnings: the data of `show`.
 *
 * @param options The root, the managed file and where procfs is.
 * @returns The report.
 *
 * @example
 * ```ts
 * import { inspectKeepalive } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/etc`);
 * await Deno.writeTextFile(`${root}/etc/sysctl.conf`, "net.ipv4.tcp_keepalive_time = 600\n");
 * const report = await inspectKeepalive({ root, procDir: `${root}/no-proc` });
 * console.log(report.boot.procps.effective); // { time: 600, intvl: 75, probes: 9 }
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function inspectKeepalive(
  options: ManagerOptions = {},
): Promise<KeepaliveReport> {
  const root = options.root ?? "/";
  const target = await readTarget(options, { tolerant: true });
  const namespace = await networkNamespace(options);
  const kernel = await readKernelInfo(options);
  const { reports, views } = await bootViews(root, kernel);
  const warnings: string[] = [];
  const report: KeepaliveReport = {
    target: {
      path: target.path,
      realPath: target.realPath,
      exists: target.exists,
    },
    namespace,
    boot: views,
    warnings,
  };
  try {
    report.runtime = await readRuntime(options);
    report.runtimeDetectionSeconds = detectionSeconds(report.runtime);
    warnings.push(
      ...keepaliveWarnings(report.runtime, { where: "runtime", namespace }),
    );
  } catch (error) {
    report.runtimeError = (error as Error).message;
  }
  const same = KEEPALIVE_FIELDS.every((field) =>
    views.procps.effective[field] === views.systemd.effective[field]
  );
  for (const loader of same ? ["procps" as const] : BOOT_LOADERS) {
    warnings.push(
      ...keepaliveWarnings(views[loader].effective, {
        where: same ? "boot" : `boot (${loader})`,
      }),
    );
  }
  // The managed file's own problems come once, from contentWarnings.
  for (const loader of BOOT_LOADERS) {
    const others = views[loader].files.filter((file) =>
      file.realPath !== target.realPath
    );
    warnings.push(
      ...views[loader].issues.filter((issue) =>
        others.some((file) => issue.startsWith(`${file.path}:`))
      ),
    );
  }
  if (target.problem !== undefined) warnings.push(target.problem);
  else {
    warnings.push(...contentWarnings(target, kernel));
    warnings.push(...loaderWarnings(target, reports, fieldsSetBy(target)));
  }
  report.warnings = [...new Set(warnings)];
  return report;
}

/**
 * Computes what setting the desired values would change: the new file
 * content and its unified diff, the kernel values that differ, and warnings
 * (duplicates, malformed lines, a later file that overrides the one written,
 * a loader that does not read it, risky values). Reads only.
 *
 * @param desired The values; keys left out are not managed.
 * @param options The root, the managed file, procfs and the scope.
 * @returns The change set; `changed` is false when nothing would change.
 * @throws {RangeError} When a value is out of range, naming the key, the
 * value and the allowed range.
 *
 * @example
 * ```ts
 * import { planChanges } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * const changes = await planChanges({ time: 60 }, { root, scope: "file" });
 * console.log(changes.after); // "# Managed by lifeline: deno task sysctl apply\nnet.ipv4.tcp_keepalive_time = 60\n"
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function planChanges(
  desired: Partial<KeepaliveSettings>,
  options: ChangeOptions = {},
): Promise<ChangeSet> {
  desired = validateKeepalive(desired);
  const root = options.root ?? "/";
  const scope = options.scope ?? "both";
  const target = await readTarget(options);
  const fields = KEEPALIVE_FIELDS.filter((field) =>
    desired[field] !== undefined
  );
  const warnings: string[] = [];
  let after = target.text;
  if (scope !== "runtime") {
    const values: Record<string, number> = {};
    for (const field of fields) values[KEEPALIVE_KEYS[field]] = desired[field]!;
    after = setSysctlText(target.text, values);
    const kernel = await readKernelInfo(options);
    warnings.push(...contentWarnings(target, kernel));
    const { reports } = await bootViews(
      root,
      kernel,
      new Map([[target.realPath, after]]),
    );
    warnings.push(...loaderWarnings(target, reports, fields));
  }
  const runtimeBefore = scope === "file"
    ? undefined
    : await readRuntime(options);
  const resulting = { ...KERNEL_DEFAULTS, ...runtimeBefore, ...desired };
  warnings.push(...keepaliveWarnings(resulting, { where: "desired values" }));
  const patch = unifiedDiff(target.realPath, target.text, after, {
    before: target.exists,
    after: target.exists || after !== target.text,
  });
  return changeSet(
    fileChange(target, after, patch),
    runtimeBefore,
    desired,
    warnings,
  );
}
