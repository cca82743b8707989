/**
 * Text output of the sysctl CLI. Internal to `sysctl/cli/`.
 *
 * @module
 */

import { formatDuration } from "../../common/duration.ts";
import { BOOT_LOADERS } from "../boot_order.ts";
import { effectiveLines, setSysctlText } from "../config_edit.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveSettings,
} from "../keepalive.ts";
import type { KeepaliveReport } from "../manager.ts";
import type { ChangeScope, ChangeSet } from "../types.ts";
import type { KeepalivePlan } from "../plan.ts";
import type { NamespaceInfo } from "../runtime.ts";

function seconds(value: number): string {
  return `${value}s (${formatDuration(value * 1000)})`;
}

/** `net:[…] (the host's)` or `(not the host's)` when known. */
export function describeNamespace(namespace: NamespaceInfo): string {
  const id = namespace.id ?? "unknown";
  if (namespace.initial === true) return `${id} (the host's)`;
  if (namespace.initial === false) return `${id} (not the host's)`;
  return id;
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

/** The text of `show`. */
export function formatReport(report: KeepaliveReport): string {
  const out: string[] = [];
  out.push(`Network namespace: ${describeNamespace(report.namespace)}`);
  out.push(
    `Managed file:      ${report.target.path}${
      report.target.realPath !== report.target.path
        ? ` -> ${report.target.realPath}`
        : ""
    }${report.target.exists ? "" : " (does not exist yet)"}`,
  );
  out.push("");
  for (const field of KEEPALIVE_FIELDS) {
    out.push(KEEPALIVE_KEYS[field]);
    out.push(
      `  ${pad("runtime", 16)}${
        report.runtime
          ? String(report.runtime[field])
          : `unreadable: ${report.runtimeError}`
      }`,
    );
    for (const loader of BOOT_LOADERS) {
      const view = report.boot[loader];
      const setting = view.settings[field];
      const where = setting === undefined
        ? "kernel default"
        : `${setting.path}:${setting.line}${
          setting.path !== setting.realPath ? ` (${setting.realPath})` : ""
        }${setting.glob ? ` via glob ${setting.glob}` : ""}`;
      out.push(
        `  ${pad(`boot, ${loader}`, 16)}${
          pad(String(view.effective[field]), 7)
        }${where}`,
      );
    }
  }
  out.push("");
  out.push(
    "Worst-case time to notice a dead peer (time + probes × intvl; intvl in place of time when longer)",
  );
  if (report.runtimeDetectionSeconds !== undefined) {
    out.push(
      `  ${pad("runtime", 16)}${
        formatDuration(report.runtimeDetectionSeconds * 1000)
      }`,
    );
  }
  for (const loader of BOOT_LOADERS) {
    out.push(
      `  ${pad(`boot, ${loader}`, 16)}${
        formatDuration(report.boot[loader].detectionSeconds * 1000)
      }`,
    );
  }
  out.push("");
  out.push("Files read at boot, in order");
  for (const loader of BOOT_LOADERS) {
    const files = report.boot[loader].files.map((file) =>
      file.masked
        ? `${file.path} (masked)`
        : file.realPath !== file.path
        ? `${file.path} -> ${file.realPath}`
        : file.path
    );
    out.push(
      `  ${pad(`${loader}:`, 9)}${
        files.length > 0 ? files.join(", ") : "(none)"
      }`,
    );
  }
  out.push("");
  if (report.warnings.length === 0) out.push("No warnings");
  else {
    out.push("Warnings");
    for (const warning of report.warnings) out.push(`  - ${warning}`);
  }
  return out.join("\n");
}

/** The text of `plan`. */
export function formatPlan(plan: KeepalivePlan, warnings: string[]): string {
  const { time, intvl, probes } = plan.settings;
  const out = [
    `net.ipv4.tcp_keepalive_time   = ${time}`,
    `net.ipv4.tcp_keepalive_intvl  = ${intvl}`,
    `net.ipv4.tcp_keepalive_probes = ${probes}`,
    `Worst case: ${time} + ${probes} × ${intvl} = ${
      seconds(plan.detectionSeconds)
    }`,
    plan.explanation,
    `Apply with: deno task sysctl apply --time ${time} --intvl ${intvl} --probes ${probes}`,
  ];
  for (const warning of warnings) out.push(`warning: ${warning}`);
  return out.join("\n");
}

/** The text of `diff`, `apply` and `restore`: the patch and the runtime table. */
export function formatChanges(
  changes: ChangeSet,
  scope: ChangeScope,
  namespace: NamespaceInfo,
): string {
  const out: string[] = [];
  if (scope !== "runtime") {
    if (changes.patch === "") {
      out.push(`No change to ${changes.path}`);
    } else {
      out.push(changes.patch.replace(/\n$/, ""));
    }
  }
  if (scope !== "file") {
    const label = `Runtime, network namespace ${describeNamespace(namespace)}`;
    if (changes.runtime.length === 0) out.push(`${label}: no change`);
    else {
      out.push(`${label}:`);
      out.push(`  ${pad("key", 32)}${pad("now", 8)}new`);
      for (const change of changes.runtime) {
        out.push(
          `  ${pad(change.key, 32)}${
            pad(String(change.current), 8)
          }${change.desired}`,
        );
      }
    }
  }
  return out.join("\n");
}

/**
 * What `check` reports as drift, one line per key: a key whose line an
 * apply would rewrite (or append) drifts.
 */
export function driftLines(
  changes: ChangeSet,
  desired: Partial<KeepaliveSettings>,
  scope: ChangeScope,
): string[] {
  const lines: string[] = [];
  if (scope !== "runtime" && changes.patch !== "") {
    const found = effectiveLines(
      changes.before,
      KEEPALIVE_FIELDS.map((field) => KEEPALIVE_KEYS[field]),
    );
    for (const field of KEEPALIVE_FIELDS) {
      const want = desired[field];
      if (want === undefined) continue;
      const key = KEEPALIVE_KEYS[field];
      if (setSysctlText(changes.before, { [key]: want }) === changes.before) {
        continue;
      }
      const line = found.get(key);
      if (line === undefined) {
        lines.push(`file ${changes.path}: ${key} is not set, want ${want}`);
      } else if (line.kind === "exclude") {
        lines.push(
          `file ${changes.path}:${line.number}: ${key} is excluded ("-${key}"), want ${want}`,
        );
      } else {
        lines.push(
          `file ${changes.path}:${line.number}: ${key} is ${
            JSON.stringify(line.value ?? line.text.trim()).slice(1, -1)
          }, want ${want}`,
        );
      }
    }
    if (lines.length === 0) lines.push(`file ${changes.path}: differs`);
  }
  if (scope !== "file") {
    for (const change of changes.runtime) {
      lines.push(
        `runtime: ${change.key} is ${change.current}, want ${change.desired}`,
      );
    }
  }
  return lines;
}
