/**
 * The cluster scenario's part of the harness report: for each arrival
 * mode, the targets against one process measured in the same rounds (each
 * ratio is taken within a round, then the median over the rounds), then
 * each measurement's detail: the workers, the Redis commands per phase, the
 * churn, the kill and the reconnect curve next to the backoff's prediction.
 *
 * @module
 */

import type { ClusterResult } from "./_cluster_measure.ts";
import type { ServerResult } from "./_results.ts";
import { median } from "./_stats.ts";

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** The one-process measurement of the same round and arrival mode. */
function singleOf(
  c: ClusterResult,
  singles: ServerResult[],
): ServerResult | undefined {
  return singles.find((s) =>
    s.kind === "lifeline-node" && s.round === c.round &&
    (s.arrivals ?? "wheel") === c.arrivals
  );
}

function targets(rows: ClusterResult[], singles: ServerResult[]): string[] {
  const pairs = rows.flatMap((c) => {
    const s = singleOf(c, singles);
    return s === undefined ? [] : [{ c, s }];
  });
  const cpu = pairs.map(({ c, s }) =>
    c.cpuMicrosPerHeartbeat / s.cpuMicrosPerHeartbeat
  );
  const rss = pairs.map(({ c, s }) =>
    c.rssPerConnectionKiB / s.rssPerConnectionKiB
  );
  const m = (f: (r: ClusterResult) => number) => median(rows.map(f));
  const ms = (f: (r: ServerResult) => number) =>
    median(pairs.map(({ s }) => f(s)));
  const sum = (f: (r: ClusterResult) => number) =>
    rows.reduce((n, r) => n + f(r), 0);
  const sumSingle = (f: (r: ServerResult) => number) =>
    pairs.reduce((n, { s }) => n + f(s), 0);
  const first = rows[0];
  const single = pairs[0]?.s;
  const verdict = (ok: boolean) => ok ? "holds" : "**misses**";
  const perRound = (values: number[]) =>
    values.length > 1
      ? ` (rounds: ${values.map((v) => fixed(v, 2)).join(", ")})`
      : "";
  const lines = [
    `| ${rows.length} round${
      rows.length > 1 ? "s" : ""
    } | one process | cluster | cluster ÷ one process | target | |`,
    "| --- | --: | --: | --- | --- | --- |",
    `| clients connected (least of the rounds) | ${
      single
        ? `${
          Math.min(...pairs.map(({ s }) => s.connections))
        }/${single.clients}`
        : "–"
    } | ${
      Math.min(...rows.map((r) => r.connections))
    }/${first.clients} | | all | ${
      verdict(rows.every((r) => r.connections === r.clients))
    } |`,
    `| drops, false timeouts in the ${
      fixed(first.steadySeconds, 0)
    } s window (all rounds) | ${
      single
        ? `${sumSingle((s) => s.dropped)}, ${sumSingle((s) => s.falseTimeouts)}`
        : "–"
    } | ${sum((r) => r.dropped)}, ${sum((r) => r.falseTimeouts)} | | 0, 0 | ${
      verdict(sum((r) => r.dropped + r.falseTimeouts) === 0)
    } |`,
    `| CPU per heartbeat, µs (all workers) | ${
      fixed(ms((s) => s.cpuMicrosPerHeartbeat))
    } | ${fixed(m((r) => r.cpuMicrosPerHeartbeat))} | ${fixed(median(cpu), 2)}${
      perRound(cpu)
    } | ≤ 1.2 | ${verdict(median(cpu) <= 1.2)} |`,
    `| RSS per connection, KiB (Σ workers − Σ idle) | ${
      fixed(ms((s) => s.rssPerConnectionKiB), 2)
    } | ${fixed(m((r) => r.rssPerConnectionKiB), 2)} | ${
      fixed(median(rss), 2)
    }${perRound(rss)} | ≤ 1.3 | ${verdict(median(rss) <= 1.3)} |`,
    `| Redis commands per heartbeat | – | ${
      fixed(Math.max(...rows.map((r) => r.steadyCommands.perHeartbeat)), 4)
    } (${
      count(sum((r) => r.steadyCommands.unexplained))
    } not from the timers) | | 0 | ${
      verdict(sum((r) => r.steadyCommands.unexplained) === 0)
    } |`,
    `| CPU, % of one core | ${fixed(ms((s) => s.cpuPercent))} | ${
      fixed(m((r) => r.cpuPercent))
    } | | | |`,
    `| heartbeats per second | ${
      fixed(ms((s) => s.heartbeatsPerSecond), 0)
    } | ${fixed(m((r) => r.heartbeatsPerSecond), 0)} | | | |`,
    `| pong p50 / p99 ms | ${fixed(ms((s) => s.rtt.p50), 2)} / ${
      fixed(ms((s) => s.rtt.p99), 1)
    } | ${fixed(m((r) => r.rtt.p50), 2)} / ${
      fixed(m((r) => r.rtt.p99), 1)
    } | | | |`,
    `| heartbeats per wheel turn, mean / p99 / max | ${
      single?.batches
        ? `${fixed(ms((s) => s.batches?.mean ?? 0), 2)} / ${
          ms((s) => s.batches?.p99 ?? 0)
        } / ${Math.max(...pairs.map(({ s }) => s.batches?.max ?? 0))}`
        : "–"
    } | ${fixed(m((r) => r.batches.mean), 2)} / ${m((r) => r.batches.p99)} / ${
      Math.max(...rows.map((r) => r.batches.max))
    } | | | |`,
    "",
  ];
  return lines;
}

function workerTable(r: ClusterResult): string[] {
  const lines = [
    "| worker | clients | RSS idle → end MiB | KiB per client | CPU % |",
    "| --: | --: | --: | --: | --: |",
  ];
  r.rssIdleKiB.forEach((idle, i) => {
    const clients = r.clientsPerWorker[i] ?? 0;
    lines.push(
      `| ${i + 1}${i + 1 === r.loss?.worker ? " (killed)" : ""} | ${
        count(clients)
      } | ${fixed(idle / 1024)} → ${fixed(r.rssEndKiB[i] / 1024)} | ${
        fixed(clients > 0 ? (r.rssEndKiB[i] - idle) / clients : 0, 2)
      } | ${fixed(r.cpuPerWorker[i])} |`,
    );
  });
  lines.push(
    "",
    `Redis ${fixed(r.redisCpuPercent)}% and the supervisor ${
      fixed(r.supervisorCpuPercent)
    }% of a core in the window (not in the workers' figures).`,
    "",
  );
  return lines;
}

function redisTable(r: ClusterResult): string[] {
  const s = r.steadyCommands;
  const top = (calls: Record<string, number>) =>
    Object.entries(calls).sort((a, b) => b[1] - a[1]).slice(0, 6).map((
      [name, n],
    ) => `${name} ${count(n)}`).join(", ");
  const lines = [
    "| phase | seconds | events | Redis commands (scripts) | the nodes' timers | per event | most called |",
    "| --- | --: | --: | --: | --: | --: | --- |",
  ];
  for (const p of r.redis) {
    lines.push(
      `| ${p.phase} | ${fixed(p.seconds)} | ${count(p.events)} × ${p.event} | ${
        count(p.total)
      } (${count(p.scripts)}) | ${count(p.timers)} | ${
        fixed(p.perEvent, p.event === "heartbeat" ? 4 : 2)
      } | ${top(p.calls)} |`,
    );
  }
  lines.push(
    "",
    `The steady window's ${
      count(s.total)
    } commands against the timers' schedule (${r.workers} nodes): smembers ${
      count(s.calls.smembers ?? 0)
    } (expected ${count(s.expected.smembers)}), exists ${
      count(s.calls.exists ?? 0)
    } (${count(s.expected.exists)}), refresh scripts ${
      count((s.calls.evalsha ?? 0) + (s.calls.eval ?? 0))
    } (${
      count(s.expected.refresh)
    }), each ± ${s.expected.slack} at the edges; not explained by them: ${
      count(s.unexplained)
    }, ${
      fixed(s.perHeartbeat, 6)
    } per heartbeat. Commands inside scripts count as commands.`,
    "",
  );
  return lines;
}

function churnLines(r: ClusterResult): string[] {
  const c = r.churn;
  if (c === undefined) return [];
  return [
    `**Churn**: ${
      count(c.churners)
    } clients closed (FIN, no \`bye\`) and reopened 1 s later, ${
      fixed(c.changesPerSecond, 0)
    } presence changes per second; ${
      count(c.pairs)
    } watcher pairs across nodes, ${
      count(c.exactlyOnce)
    } got exactly \`offline\` (closed) then \`online\`${
      c.wrong > 0
        ? `, ${count(c.wrong)} did not (${c.examples.join("; ")})`
        : ""
    }.`,
    "",
    "| change → watcher on another node | receipts | p50 ms | p99 ms | max ms |",
    "| --- | --: | --: | --: | --: |",
    `| close → \`offline\` | ${count(c.offline.count)} | ${
      fixed(c.offline.p50)
    } | ${fixed(c.offline.p99)} | ${fixed(c.offline.max)} |`,
    `| \`hello\` → \`online\` | ${count(c.online.count)} | ${
      fixed(c.online.p50)
    } | ${fixed(c.online.p99)} | ${fixed(c.online.max)} |`,
    "",
    ...(c.onlineSameNode > 0
      ? [
        `(${
          count(c.onlineSameNode)
        } \`online\` receipts not timed: the churner came back on its watcher's node.)`,
        "",
      ]
      : []),
  ];
}

function lossLines(r: ClusterResult): string[] {
  const l = r.loss;
  if (l === undefined) return [];
  const landed = Object.entries(l.landed).sort((a, b) =>
    Number(a[0]) - Number(b[0])
  )
    .map(([node, n]) =>
      node === "0"
        ? `${count(n)} not connected`
        : `${count(n)} on worker ${node}${
          Number(node) === l.worker ? " (restarted)" : ""
        }`
    ).join(", ");
  return [
    `**Kill**: worker ${l.worker} SIGKILLed with ${count(l.victims)} clients (${
      count(l.silent)
    } of them noticing only after the timeout, as if it had died without a word); the supervisor started it again ${
      l.restartedAfterMs === null
        ? "(not seen)"
        : `${fixed(l.restartedAfterMs / 1000, 2)} s`
    } after the kill. ${
      count(l.pairs)
    } watcher pairs on the surviving workers:`,
    "",
    `- \`offline\` (\`node_lost\`) then \`online\`: ${
      count(l.lostThenOnline)
    }; of the silent clients' pairs ${count(l.silentPairs.exactlyOnce)} of ${
      count(l.silentPairs.expected)
    };`,
    `- nothing, the client being back on a live worker before any announcement: ${
      count(l.backFirst)
    };`,
    `- wrong: ${count(l.wrong)}, nothing though back after the announcement: ${
      count(l.missing)
    }, \`node_lost\` and not back: ${count(l.notBack)}${
      l.examples.length > 0 ? ` (${l.examples.join("; ")})` : ""
    }.`,
    "",
    `Refused attempts after the kill: ${
      Object.entries(r.refusals).map(([why, n]) => `${why} ${count(n)}`).join(
        ", ",
      ) || "none"
    }. The supervisor: ${r.workerEventsAfterKill.join(", ") || "nothing"}.`,
    "",
    `\`node_lost\` from the kill: first ${
      l.firstAnnouncedMs === null
        ? "never"
        : `${fixed(l.firstAnnouncedMs, 0)} ms`
    }, p50 ${fixed(l.nodeLost.p50, 0)} / p99 ${
      fixed(l.nodeLost.p99, 0)
    } / max ${fixed(l.nodeLost.max, 0)} ms over ${
      count(l.nodeLost.count)
    } receipts; bound (node TTL + tick) ${count(l.boundMs)} ms, ${
      count(l.overBound)
    } past it. Back (a \`welcome\`) after the kill: ${
      count(l.back.clients)
    } of ${count(l.victims)}, p50 ${fixed(l.back.p50Ms / 1000, 2)} s, p99 ${
      fixed(l.back.p99Ms / 1000, 2)
    } s, last ${fixed(l.back.maxMs / 1000, 2)} s; now ${landed}.`,
    "",
  ];
}

function curveTable(r: ClusterResult): string[] {
  const bins = r.reconnects;
  if (bins === undefined || bins.length === 0) return [];
  const rows: {
    label: string;
    attempts: number;
    welcomes: number;
    predicted: number;
  }[] = [];
  // The first second in tenths, then whole seconds.
  for (const bin of bins.slice(0, 10)) {
    rows.push({
      label: `${fixed(bin.fromMs / 1000, 1)}–${
        fixed((bin.fromMs + 100) / 1000, 1)
      } s`,
      attempts: bin.attempts,
      welcomes: bin.welcomes,
      predicted: bin.predicted,
    });
  }
  for (let s = 1; s * 10 < bins.length; s++) {
    const part = bins.slice(s * 10, s * 10 + 10);
    const row = {
      label: `${s}–${s + 1} s`,
      attempts: part.reduce((n, b) => n + b.attempts, 0),
      welcomes: part.reduce((n, b) => n + b.welcomes, 0),
      predicted: part.reduce((n, b) => n + b.predicted, 0),
    };
    if (row.attempts + row.welcomes + row.predicted > 0) rows.push(row);
  }
  const peak = Math.max(...bins.map((b) => b.welcomes));
  const peakPredicted = Math.max(...bins.map((b) => b.predicted));
  return [
    "Reconnects of the killed worker's clients after the kill: attempts and `welcome`s measured, attempts the backoff predicts from the delays it drew from (full jitter: uniform below the ceiling, a `retryAfter` a floor):",
    "",
    "| after the kill | attempts | welcomes | predicted attempts |",
    "| --- | --: | --: | --: |",
    ...rows.map((row) =>
      `| ${row.label} | ${count(row.attempts)} | ${count(row.welcomes)} | ${
        fixed(row.predicted, 0)
      } |`
    ),
    "",
    `Busiest 100 ms: ${count(peak)} welcomes, against ${
      fixed(peakPredicted, 0)
    } attempts predicted for the busiest 100 ms.`,
    "",
  ];
}

/**
 * The cluster scenario's sections.
 *
 * @param cluster Every cluster measurement of the run.
 * @param singles Every one-process measurement of the run (by round).
 * @returns Markdown lines.
 *
 * @example
 * ```ts ignore
 * import { clusterSection } from "./_report_cluster.ts";
 * console.log(clusterSection(report.cluster, report.results).join("\n"));
 * ```
 */
export function clusterSection(
  cluster: ClusterResult[],
  singles: ServerResult[],
): string[] {
  const lines: string[] = [];
  for (const arrivals of ["wheel", "uniform"] as const) {
    const rows = cluster.filter((r) => r.arrivals === arrivals);
    if (rows.length === 0) continue;
    const first = rows[0];
    lines.push(
      `## The cluster: ${first.workers} workers, ${
        count(first.clients)
      } clients${arrivals === "uniform" ? ", uniform arrivals" : ""}`,
      "",
      "Each ratio is taken within a round (the cluster against one process measured in the same round, with the same arrivals), then the median over the rounds.",
      "",
      ...targets(rows, singles),
    );
    for (const r of rows) {
      lines.push(
        `### ${r.label}${r.round === undefined ? "" : `, round ${r.round}`}`,
        "",
        `Ramp ${fixed(r.rampMs / 1000)} s; ${
          count(r.connections)
        } clients; ${r.laterTimeouts} timeouts after the window (churn and kill); ${r.logDropped} log lines dropped${
          r.clusterEvents.length > 0
            ? `; cluster events: ${r.clusterEvents.join(" ")}`
            : ""
        }.`,
        "",
        ...(r.falseTimeouts > 0
          ? [
            `Timeouts in the window by the worker that held the client before it: ${
              Object.entries(r.timeoutsByWorker).map(([w, n]) =>
                `${w === "0" ? "unknown" : `worker ${w}`} ${count(n)}`
              ).join(", ")
            }; e.g. ${r.timeoutExamples.join("; ")}.`,
            "",
          ]
          : []),
        ...workerTable(r),
        ...redisTable(r),
        ...churnLines(r),
        ...lossLines(r),
        ...curveTable(r),
      );
    }
  }
  return lines;
}
