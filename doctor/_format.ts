/**
 * The doctor's report for people: what was diagnosed, one table per
 * failure mode, then the findings with their fixes and the notes.
 * Internal to `doctor/`.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import type { Detection } from "../detection/mod.ts";
import type { DoctorReport } from "./_diagnose.ts";
import { keepaliveOf, pingIntervalOf } from "./_mechanisms.ts";
import type { FaultTable, MechanismRow } from "./_tables.ts";

/** Lays out rows of cells in columns two spaces apart. */
function columns(rows: string[][], indent = "  "): string[] {
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((row) => (row[i] ?? "").length))
  );
  return rows.map((row) =>
    (indent +
      row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]))
        .join("  ")).trimEnd()
  );
}

function noticed(d: Detection, condition?: string): string {
  switch (d.outcome) {
    case "detected":
      return `${formatDuration(d.maxMs)}${condition ? ` (${condition})` : ""}`;
    case "never":
      return "never: the frozen side's kernel answers for it";
    case "kept_alive":
      return "kept alive";
  }
}

function tableLines(table: FaultTable): string[] {
  const mapping = table.fault === "mapping_expired";
  const first = (row: MechanismRow) =>
    table.first?.mechanisms.includes(row.mechanism) &&
      table.first.mechanisms.length < table.rows.length
      ? "  ← first"
      : "";
  const cell = (row: MechanismRow) =>
    noticed(row.detection, row.condition) + first(row);
  const header = mapping
    ? ["mechanism", "sends every", "keeps the path alive", "noticed within"]
    : ["mechanism", "noticed within"];
  const rows = table.rows.map((row) =>
    mapping
      ? [
        row.label,
        row.periodMs === undefined ? "—" : formatDuration(row.periodMs),
        row.keepsPathAlive ? "yes" : "no",
        cell(row),
      ]
      : [row.label, cell(row)]
  );
  const title = mapping
    ? `${table.title} (timed from the expiry of ${table.middlebox})`
    : table.title;
  return [title, ...columns([header, ...rows]), `  → ${table.verdict}`];
}

function headerLines(report: DoctorReport): string[] {
  const { policy, kernel, path, roundTripMs } = report.input;
  const k = keepaliveOf(kernel);
  const ping = pingIntervalOf(report.input);
  const ns = kernel.namespace;
  const where = ns.initial === true
    ? "the host's"
    : ns.initial === false
    ? "not the host's"
    : "maybe not the host's";
  const boot = kernel.boot;
  const bootText = boot === undefined
    ? "unknown"
    : `${boot.procps.time}/${boot.procps.intvl}/${boot.procps.probes} under procps` +
      (JSON.stringify(boot.procps) === JSON.stringify(boot.systemd)
        ? " and systemd-sysctl"
        : `, ${boot.systemd.time}/${boot.systemd.intvl}/${boot.systemd.probes} under systemd-sysctl`);
  const rows: string[][] = [
    [
      "Server",
      policy === undefined
        ? "no heartbeat (--no-heartbeat)"
        : `interval ${formatDuration(policy.intervalMs)}, timeout ${
          formatDuration(policy.timeoutMs)
        }, tick ${formatDuration(policy.tickMs)}, a ping allowed every ${
          formatDuration(policy.minPingIntervalMs)
        } (${policy.source})`,
    ],
  ];
  if (policy !== undefined && ping !== undefined) {
    rows.push([
      "Client",
      `pings every ${formatDuration(ping)}${
        report.input.clientIntervalMs === undefined
          ? " (the server's interval, as Lifeline's client does)"
          : ""
      }`,
    ]);
  }
  rows.push(
    [
      "Kernel",
      `keepalive ${k.time}/${k.intvl}/${k.probes} (time/intvl/probes), tcp_retries2 ${kernel.retries2}, network namespace ${
        ns.id ?? "unknown"
      } (${where})`,
    ],
    [
      "",
      `at boot${
        ns.initial === false ? " (in the host's namespace)" : ""
      }: ${bootText}`,
    ],
  );
  if (kernel.host?.values !== undefined) {
    const h = kernel.host.values;
    rows.push([
      "",
      `the host: ${h.time}/${h.intvl}/${h.probes} (${kernel.host.namespace}, through ${kernel.host.via})`,
    ]);
  }
  const expiry = { drop: "dropped", reset: "answered with RST", close: "" };
  for (const [i, box] of path.entries()) {
    rows.push([
      i === 0 ? "Path" : "",
      `${box.id}: ${box.label}, idle ${formatDuration(box.idleMs)}, ${
        box.afterExpiry === "close"
          ? "closes both sides at the timeout"
          : `a late packet is ${expiry[box.afterExpiry]}`
      }${box.countsProbes ? "" : ", counts only data"}`,
    ]);
  }
  if (path.length === 0) {
    rows.push(["Path", "no middlebox given (--path)"]);
  }
  rows.push(["Round trip", `up to ${formatDuration(roundTripMs)} (--rtt)`]);
  return columns(rows, "");
}

/**
 * Renders the report for people.
 *
 * @param report The doctor's report.
 * @returns The text, without a final newline.
 *
 * @example
 * ```ts
 * import { diagnose } from "./_diagnose.ts";
 * import { formatDoctorReport } from "./_format.ts";
 * import { serverPolicy } from "./_policy.ts";
 * const report = diagnose({
 *   policy: serverPolicy(5000, 15000, { source: "the server's defaults" }),
 *   roundTripMs: 1000,
 *   path: [],
 *   kernel: { runtime: { time: 60, intvl: 20, probes: 3 }, retries2: 15, retries2Read: true, namespace: { initial: true } },
 * });
 * console.log(formatDoctorReport(report).split("\n")[0]); // "Lifeline doctor: no findings"
 * ```
 */
export function formatDoctorReport(report: DoctorReport): string {
  const n = report.findings.length;
  const lines = [
    `Lifeline doctor: ${
      n === 0 ? "no findings" : `${n} ${n === 1 ? "finding" : "findings"}`
    }`,
    "",
    ...headerLines(report),
  ];
  for (const table of report.tables) lines.push("", ...tableLines(table));
  if (n > 0) {
    lines.push("", "Findings");
    report.findings.forEach((finding, i) => {
      lines.push(`  ${i + 1}. ${finding.message} [${finding.id}]`);
      for (const fix of finding.fixes) lines.push(`     fix: ${fix}`);
    });
  }
  if (report.notes.length > 0) {
    lines.push("", "Notes");
    for (const note of report.notes) lines.push(`  - ${note.message}`);
  }
  return lines.join("\n");
}
