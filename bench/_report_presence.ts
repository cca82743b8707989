/**
 * The presence scenario's part of the harness's Markdown report: each
 * watching server against the same server without watches in the same run
 * (CPU, RSS per connection), the latency of the watchers' presence frames
 * against each event's detection bound, and the exactly-once verdict.
 *
 * @module
 */

import type { PresenceResult } from "./_presence_check.ts";
import type { ServerResult } from "./_results.ts";
import type { Latencies } from "./_stats.ts";

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(2) : "n/a";
}

function sameServerWithoutWatches(
  rows: ServerResult[],
  r: ServerResult,
): ServerResult | undefined {
  return rows.find((o) =>
    o.kind === r.kind && o.revision === r.revision &&
    o.protocol === r.protocol && o.watch === undefined
  );
}

function costTable(rows: ServerResult[]): string[] {
  const pairs = rows.flatMap((r) => {
    const without = r.watch ? sameServerWithoutWatches(rows, r) : undefined;
    return without ? [{ r, without }] : [];
  });
  if (pairs.length === 0) return [];
  const lines = [
    "Watching against the same server without watches, same run and same load otherwise (targets: CPU ≤ 1.10 ×, RSS/conn + ≤ 1 KiB):",
    "",
    "| server | against | RSS/conn KiB | RSS/conn ÷ | RSS/conn + KiB | CPU % | CPU ÷ | CPU µs/hb ÷ |",
    "| --- | --- | --: | --: | --: | --: | --: | --: |",
  ];
  for (const { r, without } of pairs) {
    lines.push(
      `| ${r.label} | ${without.label} | ${fixed(r.rssPerConnectionKiB, 2)} / ${
        fixed(without.rssPerConnectionKiB, 2)
      } | ${ratio(r.rssPerConnectionKiB, without.rssPerConnectionKiB)} | ${
        fixed(r.rssPerConnectionKiB - without.rssPerConnectionKiB, 2)
      } | ${fixed(r.cpuPercent)} / ${fixed(without.cpuPercent)} | ${
        ratio(r.cpuPercent, without.cpuPercent)
      } | ${ratio(r.cpuMicrosPerHeartbeat, without.cpuMicrosPerHeartbeat)} |`,
    );
  }
  lines.push("");
  return lines;
}

function latencyRow(
  label: string,
  event: string,
  l: Latencies,
  boundMs: number,
): string {
  if (l.count === 0) {
    return `| ${label} | ${event} | 0 | – | – | – | ${boundMs} | – |`;
  }
  return `| ${label} | ${event} | ${l.count} | ${fixed(l.p50)} | ${
    fixed(l.p99)
  } | ${fixed(l.max)} | ${boundMs} | ${fixed(l.p99 - boundMs)} |`;
}

function latencyTable(rows: ServerResult[]): string[] {
  const watching = rows.filter((r) => r.watch && r.presence);
  if (watching.length === 0) return [];
  const lines = [
    "Presence latency, from the event to each watcher's receipt (watchers neither killed nor frozen; one wall clock for every process): `offline` from the kill, `suspect` from the suspect deadline (the frozen client's last frame + suspectAfter), `online` from its first frame after the freeze. The detection bound past the event is 0 for a kill and a resume, and the tick for a suspect (target: p99 ≤ bound + 20 ms):",
    "",
    "| server | event | receipts | p50 ms | p99 ms | max ms | bound ms | p99 − bound ms |",
    "| --- | --- | --: | --: | --: | --: | --: | --: |",
  ];
  for (const r of watching) {
    const p = r.presence!;
    lines.push(
      latencyRow(r.label, "kill → offline", p.latency.offline, 0),
      latencyRow(
        r.label,
        `suspect deadline → suspect`,
        p.latency.suspect,
        p.tickMs,
      ),
      latencyRow(r.label, "resume → online", p.latency.online, 0),
    );
  }
  lines.push("");
  return lines;
}

function spurious(p: PresenceResult): string {
  const entries = Object.entries(p.spurious);
  return entries.length === 0
    ? "0"
    : entries.map(([state, n]) => `${n} ${state}`).join(", ");
}

function verdictTable(rows: ServerResult[]): string[] {
  const withPresence = rows.filter((r) => r.presence);
  if (withPresence.length === 0) return [];
  const lines = [
    "Presence correctness (watchers not killed themselves): every watcher of a killed client gets exactly one `offline` (reason `closed`), every watcher of a frozen client exactly one `suspect` then one `online`; nobody gets a frame for a name it does not watch (whole run); unexpected = another state or reason for a killed or frozen name; spurious = a frame for a name nothing happened to (a false suspect):",
    "",
    "| server | killed, frozen | offline exactly once | suspect then online exactly once | unwatched | unexpected | spurious | no snapshot | longest healthy silence ms | shortest freeze ms |",
    "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const r of withPresence) {
    const p = r.presence!;
    const events =
      `${p.kills.done}/${p.kills.planned}, ${p.freezes.done}/${p.freezes.planned} (${p.freezeBy})`;
    const checked = r.watch
      ? `${p.offline.exactlyOnce}/${p.offline.expected} | ${p.suspectOnline.exactlyOnce}/${p.suspectOnline.expected} | ${p.unwatched} | ${p.unexpected} | ${
        spurious(p)
      } | ${p.snapshotMissing}`
      : "– | – | – | – | – | –";
    lines.push(
      `| ${r.label} | ${events} | ${checked} | ${
        fixed(p.healthyMaxGapMs, 0)
      } | ${fixed(p.shortestFreezeMs, 0)} |`,
    );
  }
  lines.push("");
  const examples = withPresence.flatMap((r) =>
    r.presence!.examples.map((e) => `- ${r.label}: ${e}`)
  );
  if (examples.length > 0) {
    lines.push("Problems seen (a few):", "", ...examples.slice(0, 10), "");
  }
  return lines;
}

/**
 * The presence section of one protocol's rows, or nothing when the run had
 * no presence scenario.
 *
 * @param rows The protocol's results, merged over the rounds.
 * @returns Markdown lines.
 *
 * @example
 * ```ts ignore
 * import { presenceSection } from "./_report_presence.ts";
 * console.log(presenceSection(medians(report.results)).join("\n"));
 * ```
 */
export function presenceSection(rows: ServerResult[]): string[] {
  return [...costTable(rows), ...latencyTable(rows), ...verdictTable(rows)];
}
