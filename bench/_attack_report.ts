/**
 * The attack benchmark's report: one result per attack and server, kept as
 * JSON in `bench/results/`, and the Markdown table printed at the end.
 *
 * @module
 */

import type { AttackName } from "./_attack_list.ts";
import { ATTACKS } from "./_attack_list.ts";
import type { Outcome } from "./_attack_types.ts";
import type { MachineInfo } from "./_machine.ts";
import type { WitnessReport } from "./_witnesses.ts";

/** One attack against one server (or one client). */
export interface AttackResult {
  /** The attack. */
  attack: AttackName;
  /** The server (or client) as the table names it. */
  server: string;
  /** The git revision it ran at; `null` for this checkout. */
  revision: string | null;
  /** The server's flags beyond the address (empty for a client attack). */
  flags: string[];
  /** What the witnesses saw; `null` for a client attack. */
  witnesses: WitnessReport | null;
  /** The server's CPU during the attack, in % of one core. */
  serverCpuPercent: number | null;
  /** What the attack measured. */
  outcome: Outcome;
  /** The outcome in one sentence, as in the table. */
  summary: string;
  /** Why the run failed, when it did (then the outcome is empty). */
  failure: string | null;
}

/** A whole run. */
export interface AttacksReport {
  /** When it started (ISO 8601). */
  date: string;
  /** The command line. */
  command: string;
  /** The machine. */
  machine: MachineInfo;
  /** The load averages before and after. */
  load: { before: string; after: string };
  /** Deno, and the checkout (`git describe`). */
  versions: { deno: string; lifeline: string };
  /** The settings of the run. */
  settings: Record<string, string | number>;
  /** Every result, in the order run. */
  results: AttackResult[];
}

function ms(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return value >= 10 ? value.toFixed(0) : value.toFixed(1);
}

/** How many witnesses were dropped, and why: `20 (bye too_many_pings)`. */
function dropCell(report: WitnessReport): string {
  const reasons = new Map<string, number>();
  for (const line of report.dropped) {
    const reason = line.replace(/^[^:]*: /, "");
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const why = [...reasons].map(([reason, count]) =>
    reasons.size === 1 ? reason : `${count} ${reason}`
  ).join(", ");
  const unanswered = report.unanswered > 0
    ? `; ${report.unanswered} pings unanswered`
    : "";
  return `${report.dropped.length}${
    why === "" ? "" : ` (${why})`
  }${unanswered}`;
}

function witnessCells(report: WitnessReport | null): [string, string] {
  if (report === null) return ["–", "–"];
  const rtt = `${ms(report.p50RttMs)} / ${ms(report.p99RttMs)} / ${
    ms(report.worstRttMs)
  }`;
  return [rtt, dropCell(report)];
}

/** The attack's cell: `#4 unknown-frames`, or the name alone. */
function attackCell(name: AttackName): string {
  const item = ATTACKS[name].item;
  return /^\d+$/.test(item) ? `#${item} ${name}` : name;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/**
 * The results as a Markdown table: attack, server, the witnesses' round
 * trips (p50 / p99 / max, in ms) and how many were dropped, the outcome.
 *
 * @param results The results.
 * @param witnesses How many witnesses each server attack had.
 * @returns The table.
 *
 * @example
 * ```ts
 * import { renderTable } from "./_attack_report.ts";
 * console.log(renderTable([], 20).split("\n").length); // 2
 * ```
 */
export function renderTable(
  results: AttackResult[],
  witnesses: number,
): string {
  const rows = results.map((r) => {
    const [rtt, dropped] = witnessCells(r.witnesses);
    return `| ${attackCell(r.attack)} | ${
      cell(r.server)
    } | ${rtt} | ${dropped} | ${cell(r.summary)} |`;
  });
  return [
    `| attack | server | witness RTT p50 / p99 / max (ms) | witnesses dropped (of ${witnesses}) | outcome |`,
    "| --- | --- | --: | --: | --- |",
    ...rows,
  ].join("\n");
}

/**
 * What each attack in the results does, as a Markdown list.
 *
 * @param results The results.
 * @returns One line per attack.
 *
 * @example
 * ```ts
 * import { renderLegend } from "./_attack_report.ts";
 * console.log(renderLegend([])); // ""
 * ```
 */
export function renderLegend(results: AttackResult[]): string {
  const names = [...new Set(results.map((r) => r.attack))];
  return names.map((name) =>
    `- \`${name}\` (${/^\d+$/.test(ATTACKS[name].item) ? "item " : ""}${
      ATTACKS[name].item
    }): ${ATTACKS[name].title}`
  ).join("\n");
}

/**
 * The whole report as Markdown: the command, the machine, the load, the
 * table and the legend.
 *
 * @param report The report.
 * @returns The text.
 *
 * @example
 * ```ts ignore
 * import { renderReport } from "./_attack_report.ts";
 * console.log(renderReport(report));
 * ```
 */
export function renderReport(report: AttacksReport): string {
  const m = report.machine;
  return [
    `\`${report.command}\``,
    "",
    `${report.date}; ${m.cpu}, ${m.cores} cores, ${
      Math.round(m.memoryMiB / 1024)
    } GiB, Linux ${m.kernel}, Deno ${report.versions.deno}, Lifeline ${report.versions.lifeline}; load average ${report.load.before} before, ${report.load.after} after.`,
    "",
    renderTable(report.results, Number(report.settings.witnesses)),
    "",
    renderLegend(report.results),
  ].join("\n");
}
