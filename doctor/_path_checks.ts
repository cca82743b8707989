/**
 * Checks of the path: a heartbeat or keepalive slower than a middlebox's
 * idle timeout, and proxies that hide the client from the server's kernel.
 * Internal to `doctor/`.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import { keepsAlive, probePeriodS } from "../detection/mod.ts";
import { type Checked, nothing } from "./_finding.ts";
import { flagDuration, halfBelow, keepaliveWithin } from "./_fixes.ts";
import {
  type DoctorInput,
  keepaliveOf,
  mechanismsOf,
  pingIntervalOf,
} from "./_mechanisms.ts";
import type { PathEntry } from "./_presets.ts";

/** The longest detection budget a keepalive fix plans for (15 minutes). */
const KEEPALIVE_BUDGET_MS = 900_000;

function text(k: { time: number; intvl: number; probes: number }): string {
  return `${k.time}/${k.intvl}/${k.probes}`;
}

function boxName(box: PathEntry): string {
  return `${box.id} (${box.label}, idle ${formatDuration(box.idleMs)})`;
}

/** A heartbeat not more frequent than a middlebox's idle timeout. */
function heartbeatChecks(input: DoctorInput, out: Checked): void {
  const policy = input.policy;
  const ping = pingIntervalOf(input);
  if (policy === undefined || ping === undefined) return;
  const slow = input.path.filter((box) => ping >= box.idleMs);
  if (slow.length === 0) return;
  const shortest = Math.min(...slow.map((box) => box.idleMs));
  const interval = halfBelow(shortest);
  const byClient = input.clientIntervalMs !== undefined;
  out.findings.push({
    id: "heartbeat_outlives_idle",
    message: `The heartbeat pings every ${formatDuration(ping)}${
      byClient ? " (--client-interval)" : ""
    }, not more often than the idle timeout of ${
      slow.map(boxName).join(", ")
    }: when the application is idle, the mapping expires between two pings and the connection dies silently`,
    fixes: byClient
      ? [
        `make the client ping every ${flagDuration(interval)} or more often`,
      ]
      : [
        `deno task server --interval ${flagDuration(interval)} --timeout ${
          flagDuration(3 * interval)
        }`,
      ],
  });
}

/** Keepalive probes that come too late for a middlebox, or that it ignores. */
function keepaliveChecks(input: DoctorInput, out: Checked): void {
  const k = keepaliveOf(input.kernel);
  const keepalive = mechanismsOf(input).find((m) => m.id === "keepalive")!;
  const heartbeat = mechanismsOf(input).find((m) => m.id === "heartbeat");
  const period = probePeriodS(k);
  for (const box of input.path) {
    if (keepsAlive(keepalive.mechanism, box)) continue;
    const why = box.countsProbes
      ? `TCP keepalive probes an idle connection every ${period}s (max(time, intvl) of ${
        text(k)
      }), not more often than ${boxName(box)} forgets it`
      : `${
        boxName(box)
      } counts only data: keepalive probes, which carry none, do not keep it alive`;
    if (heartbeat !== undefined && keepsAlive(heartbeat.mechanism, box)) {
      out.notes.push({
        id: "keepalive_outlives_idle",
        message:
          `${why}; harmless while the heartbeat runs, as its pings keep ${box.id} alive`,
      });
      continue;
    }
    const fit = box.countsProbes
      ? keepaliveWithin(box.idleMs, KEEPALIVE_BUDGET_MS)
      : undefined;
    const budget = fit === undefined ? "" : flagDuration(fit.budgetS * 1000);
    out.findings.push({
      id: "keepalive_outlives_idle",
      message:
        `${why}: when the application is idle, the mapping expires before the first probe and the connection dies silently`,
      fixes: [
        ...(fit === undefined ? [] : [
          `deno task sysctl plan --detect-within ${budget}   # time ${fit.plan.settings.time}, intvl ${fit.plan.settings.intvl}, probes ${fit.plan.settings.probes}`,
          `sudo deno task sysctl apply --detect-within ${budget} --file /etc/sysctl.d/60-keepalive.conf`,
        ]),
        `or run Lifeline's heartbeat more often than every ${
          formatDuration(box.idleMs)
        }: deno task server --interval ${
          flagDuration(halfBelow(box.idleMs))
        } --timeout ${flagDuration(3 * halfBelow(box.idleMs))}`,
      ],
    });
  }
}

/** Proxies: the server's kernel watches the proxy, not the client. */
function proxyNotes(input: DoctorInput, out: Checked): void {
  for (const box of input.path.filter((b) => b.proxy)) {
    out.notes.push({
      id: "proxy",
      message:
        `${box.id} is a proxy: the server's TCP peer is the proxy, so retransmissions and keepalive on the server watch the proxy, not the client; only the heartbeat is end to end (the rows above assume the connection is end to end)`,
    });
  }
}

/**
 * The path's findings and notes: a heartbeat at or above an idle timeout,
 * keepalive at or above one when the application may be idle (a note when
 * the heartbeat keeps the middlebox alive anyway), and proxies.
 *
 * @param input The diagnosis input.
 * @returns The findings and notes.
 *
 * @example Default keepalive behind an AWS NLB with no heartbeat
 * ```ts
 * import { pathChecks } from "./_path_checks.ts";
 * import { parsePathEntry } from "./_presets.ts";
 * const kernel = { runtime: { time: 7200, intvl: 75, probes: 9 }, retries2: 15, retries2Read: true, namespace: {} };
 * const out = pathChecks({ roundTripMs: 1000, path: [parsePathEntry("aws-nlb")], kernel });
 * console.log(out.findings.map((f) => f.id)); // [ "keepalive_outlives_idle" ]
 * ```
 */
export function pathChecks(input: DoctorInput): Checked {
  const out = nothing();
  heartbeatChecks(input, out);
  keepaliveChecks(input, out);
  proxyNotes(input, out);
  return out;
}
