/**
 * The harness's report: what was measured for each server, and its
 * Markdown rendering with ratios against the baselines of the same run.
 *
 * @module
 */

import { mergePresenceResults } from "./_presence_check.ts";
import { clusterSection } from "./_report_cluster.ts";
import { presenceSection } from "./_report_presence.ts";
import type { HarnessReport, ServerResult } from "./_results.ts";
import { median } from "./_stats.ts";

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** The figures {@link medians} takes the median of. */
const MEDIAN_FIELDS = [
  "heartbeatsPerSecond",
  "rssBeforeKiB",
  "rssAfterRampKiB",
  "rssEndKiB",
  "peakKiB",
  "rssPerConnectionKiB",
  "rssCreep",
  "cpuPercent",
  "cpuMicrosPerHeartbeat",
] as const;

/** The counts {@link medians} sums, so a problem in any round shows. */
const SUMMED_FIELDS = ["failed", "dropped", "falseTimeouts", "late"] as const;

/**
 * The key that tells one measured server from another: its kind, its
 * revision if any, the protocol, and the names each client watched if any.
 *
 * @param r A result.
 * @returns `kind[@revision]/protocol[/watch K]`.
 *
 * @example
 * ```ts
 * import { serverKey } from "./_report.ts";
 * console.log(serverKey({ kind: "lifeline-node", revision: "4493b0c", protocol: "go" }));
 * // "lifeline-node@4493b0c/go"
 * console.log(serverKey({ kind: "lifeline-node", protocol: "lifeline", watch: 10 }));
 * // "lifeline-node/lifeline/watch 10"
 * ```
 */
export function serverKey(
  r: Pick<
    ServerResult,
    "kind" | "revision" | "protocol" | "watch" | "arrivals"
  >,
): string {
  return `${r.kind}${
    r.revision === undefined ? "" : `@${r.revision}`
  }/${r.protocol}${r.watch ? `/watch ${r.watch}` : ""}${
    r.arrivals ? `/${r.arrivals}` : ""
  }`;
}

/**
 * Merges the rounds of each server into one result holding the median of
 * every figure (counts of drops, failures and false timeouts are summed,
 * so a problem in any round shows).
 *
 * @param results Every measurement.
 * @returns One result per server and protocol, in first-seen order.
 *
 * @example
 * ```ts ignore
 * import { medians } from "./_report.ts";
 * console.log(medians(report.results).map((r) => r.cpuPercent));
 * ```
 */
export function medians(results: ServerResult[]): ServerResult[] {
  const groups = new Map<string, ServerResult[]>();
  for (const r of results) {
    const key = serverKey(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rows) => {
    if (rows.length === 1) return rows[0];
    const merged: ServerResult = {
      ...rows[0],
      connections: Math.min(...rows.map((r) => r.connections)),
      rtt: {
        count: rows.reduce((total, r) => total + r.rtt.count, 0),
        p50: median(rows.map((r) => r.rtt.p50)),
        p99: median(rows.map((r) => r.rtt.p99)),
        max: Math.max(...rows.map((r) => r.rtt.max)),
      },
      round: undefined,
      samples: [],
      ...(rows[0].batches === undefined ? {} : {
        batches: {
          turns: median(rows.map((r) => r.batches?.turns ?? 0)),
          mean: median(rows.map((r) => r.batches?.mean ?? 0)),
          p50: median(rows.map((r) => r.batches?.p50 ?? 0)),
          p99: median(rows.map((r) => r.batches?.p99 ?? 0)),
          max: Math.max(...rows.map((r) => r.batches?.max ?? 0)),
        },
      }),
      ...(rows[0].presence === undefined ? {} : {
        presence: mergePresenceResults(rows.map((r) => r.presence!)),
      }),
    };
    for (const key of MEDIAN_FIELDS) {
      merged[key] = median(rows.map((r) => r[key]));
    }
    for (const key of SUMMED_FIELDS) {
      merged[key] = rows.reduce((total, r) => total + r[key], 0);
    }
    return merged;
  });
}

function ratio(a: number, b: number | undefined): string {
  if (b === undefined || !(b > 0)) return "n/a";
  return (a / b).toFixed(2);
}

const COUNTED_BY_CLIENTS = "†";

function serverTable(rows: ServerResult[]): string[] {
  const lines = [
    "| server | conns | hb/s | RSS/conn KiB | RSS before → ramp → end MiB | peak MiB | end/ramp | CPU % | CPU µs/hb | RTT p50 / p99 / max ms | drops | failed | false timeouts |",
    "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const r of rows) {
    const mib = (kib: number) => fixed(kib / 1024);
    const rtt = r.rtt.count > 0
      ? `${fixed(r.rtt.p50, 2)} / ${fixed(r.rtt.p99, 2)} / ${
        fixed(r.rtt.max, 1)
      }`
      : "–";
    const mark = r.falseTimeoutsFrom === "clients" ? COUNTED_BY_CLIENTS : "";
    lines.push(
      `| ${r.label} | ${r.connections}/${r.clients} | ${
        fixed(r.heartbeatsPerSecond, 0)
      } | ${fixed(r.rssPerConnectionKiB, 2)} | ${mib(r.rssBeforeKiB)} → ${
        mib(r.rssAfterRampKiB)
      } → ${mib(r.rssEndKiB)} | ${mib(r.peakKiB)} | ${fixed(r.rssCreep, 2)} | ${
        fixed(r.cpuPercent)
      } | ${
        fixed(r.cpuMicrosPerHeartbeat, 1)
      } | ${rtt} | ${r.dropped} | ${r.failed} | ${r.falseTimeouts}${mark} |`,
    );
  }
  lines.push("");
  if (rows.some((r) => r.falseTimeoutsFrom === "clients")) {
    lines.push(
      `${COUNTED_BY_CLIENTS} counted by the clients, as the server at that revision has no \`--log-format json\`: \`bye\` frames with reason \`timeout\`, and with seed frames (no replies) every drop.`,
      "",
    );
  }
  return lines;
}

const BASELINES = [
  "go",
  "go-quiet",
  "naive-deno",
  "bare-node",
  "bare-node-zod",
  "bare-tcp-wrap",
] as const;

function baselineRatios(rows: ServerResult[]): string[] {
  const byKind = new Map(
    rows.filter((r) => r.revision === undefined).map((r) => [r.kind, r]),
  );
  const lifeline = rows.filter((r) => r.kind.startsWith("lifeline"));
  const refs = BASELINES.filter((k) => byKind.has(k));
  if (lifeline.length === 0 || refs.length === 0) return [];
  const lines = [
    "Ratios in the same run (Lifeline ÷ baseline; lower is better):",
    "",
    `| server | ${
      refs.map((k) => `RSS/conn ÷ ${byKind.get(k)!.label}`).join(" | ")
    } | ${refs.map((k) => `CPU ÷ ${byKind.get(k)!.label}`).join(" | ")} |`,
    `| --- |${" --: |".repeat(refs.length * 2)}`,
  ];
  for (const r of lifeline) {
    lines.push(
      `| ${r.label} | ${
        refs.map((k) =>
          ratio(r.rssPerConnectionKiB, byKind.get(k)!.rssPerConnectionKiB)
        ).join(" | ")
      } | ${
        refs.map((k) => ratio(r.cpuPercent, byKind.get(k)!.cpuPercent))
          .join(" | ")
      } |`,
    );
  }
  lines.push("");
  return lines;
}

function revisionRatios(rows: ServerResult[]): string[] {
  const pairs = rows.flatMap((old) => {
    const current = rows.find((r) =>
      r.kind === old.kind && r.revision === undefined && r.watch === old.watch
    );
    return old.revision !== undefined && current ? [{ current, old }] : [];
  });
  if (pairs.length === 0) return [];
  const lines = [
    "Against the same server at another revision (this checkout ÷ that revision; lower is better):",
    "",
    "| server | against | RSS/conn | CPU | CPU µs/hb | RTT p99 |",
    "| --- | --- | --: | --: | --: | --: |",
  ];
  for (const { current, old } of pairs) {
    lines.push(
      `| ${current.label} | ${old.label} | ${
        ratio(current.rssPerConnectionKiB, old.rssPerConnectionKiB)
      } | ${ratio(current.cpuPercent, old.cpuPercent)} | ${
        ratio(current.cpuMicrosPerHeartbeat, old.cpuMicrosPerHeartbeat)
      } | ${
        current.rtt.count > 0 ? ratio(current.rtt.p99, old.rtt.p99) : "–"
      } |`,
    );
  }
  lines.push("");
  return lines;
}

function batchLines(rows: ServerResult[]): string[] {
  const withBatches = rows.filter((r) =>
    r.batches !== undefined && r.batches.turns > 0
  );
  if (withBatches.length === 0) return [];
  return [
    `Heartbeats written per turn of the load's timer wheels (mean / p99 / max): ${
      withBatches.map((r) =>
        `${r.label} ${fixed(r.batches!.mean, 2)} / ${r.batches!.p99} / ${
          r.batches!.max
        }`
      ).join("; ")
    }.`,
    "",
  ];
}

function heapSection(results: ServerResult[]): string[] {
  const withHeap = results.filter((r) => r.heap);
  if (withHeap.length === 0) return [];
  const lines = [
    "## Heap at the end of the steady window (after a full GC)",
    "",
  ];
  for (const r of withHeap) {
    const heap = r.heap!;
    lines.push(
      `### ${r.label} / ${r.protocol}: ${
        fixed(heap.totalBytes / 1024 / 1024)
      } MiB in ${heap.nodes} objects, ${
        fixed(heap.totalBytes / Math.max(1, r.connections), 0)
      } B per connection (total ÷ connections)`,
      "",
      ...(heap.spaces.length > 0
        ? [
          `V8 heap spaces before that GC, held / used MiB: ${
            heap.spaces.filter((space) => space.physicalBytes > 0).map((
              space,
            ) =>
              `${space.name} ${fixed(space.physicalBytes / 1048576)} / ${
                fixed(space.usedBytes / 1048576)
              }`
            ).join(", ")
          }`,
          "",
        ]
        : []),
      "| class | count | per conn | shallow KiB |",
      "| --- | --: | --: | --: |",
      ...heap.top.slice(0, 12).map((c) =>
        `| ${c.name.replaceAll("|", "\\|").slice(0, 60)} | ${c.count} | ${
          fixed(c.count / Math.max(1, r.connections), 2)
        } | ${fixed(c.selfBytes / 1024, 0)} |`
      ),
      "",
    );
  }
  return lines;
}

/**
 * Renders the report as Markdown: the run's context, one table per protocol,
 * the ratios of Lifeline against the baselines of the same run, and against
 * itself at another revision when the run measured one.
 *
 * @param report The run.
 * @returns Markdown text.
 *
 * @example
 * ```ts ignore
 * import { renderMarkdown } from "./_report.ts";
 * console.log(renderMarkdown(report));
 * ```
 */
export function renderMarkdown(report: HarnessReport): string {
  const v = report.versions;
  const lines: string[] = [
    `# Benchmark ${report.date}`,
    "",
    `- command: \`${report.command}\``,
    `- machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryMiB} MiB, Linux ${report.machine.kernel}`,
    `- load average before / after: ${report.load.before} / ${report.load.after}`,
    `- deno ${v.deno} (V8 ${v.v8}), ${v.go}${
      v.lifeline ? `, Lifeline at ${v.lifeline}` : ""
    }`,
    `- private network namespace: ${report.netns ? "yes" : "no"}`,
    `- settings: ${
      Object.entries(report.settings).map(([k, v]) => `${k}=${v}`).join(", ")
    }`,
    "",
  ];
  const rounds = Math.max(1, ...report.results.map((r) => r.round ?? 1));
  if (rounds > 1) {
    lines.push(
      `Each server was measured ${rounds} times, interleaved; the tables show medians (drops, failures and false timeouts summed over the rounds, RTT max over all rounds).`,
      "",
    );
  }
  const merged = medians(report.results);
  for (const protocol of ["go", "lifeline"] as const) {
    for (const arrivals of ["wheel", "uniform"] as const) {
      const rows = merged.filter((r) =>
        r.protocol === protocol && (r.arrivals ?? "wheel") === arrivals
      );
      if (rows.length === 0) continue;
      lines.push(
        `## ${
          protocol === "go"
            ? "Seed frames (Go format, no replies)"
            : "Lifeline ndjson (a pong for every ping)"
        }${arrivals === "uniform" ? ", uniform arrivals" : ""}`,
        "",
        ...serverTable(rows),
        ...batchLines(rows),
        ...baselineRatios(rows),
        ...revisionRatios(rows),
        ...presenceSection(rows),
      );
    }
  }
  if (report.cluster !== undefined && report.cluster.length > 0) {
    lines.push(...clusterSection(report.cluster, report.results));
  }
  lines.push(...heapSection(report.results));
  if (report.skipped.length > 0) {
    lines.push("Not measured:", "");
    for (const s of report.skipped) {
      lines.push(`- ${s.kind} (${s.protocol}): ${s.reason}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
