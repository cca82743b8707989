/**
 * Checks of the heartbeat against the server's own rules and against
 * keepalive: pings faster than the server allows, a timeout too short for
 * the interval, no heartbeat at all. Internal to `doctor/`.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import { detect } from "../detection/mod.ts";
import { SLOW_DETECTION_SECONDS } from "../sysctl/mod.ts";
import { type Checked, nothing } from "./_finding.ts";
import { flagDuration, keepaliveWithin } from "./_fixes.ts";
import {
  type DoctorInput,
  keepaliveOf,
  mechanismsOf,
  pingIntervalOf,
} from "./_mechanisms.ts";

/** The detection time the fix for a heartbeat-less deployment plans for. */
const NO_HEARTBEAT_BUDGET_MS = 120_000;

function vanishedWorstMs(input: DoctorInput, id: string): number | undefined {
  const m = mechanismsOf(input).find((m) => m.id === id);
  if (m === undefined) return undefined;
  const d = detect("peer_vanished", m.mechanism, {
    roundTripMs: input.roundTripMs,
  });
  return d.outcome === "detected" ? d.maxMs : undefined;
}

function withHeartbeat(input: DoctorInput, out: Checked): void {
  const policy = input.policy!;
  const ping = pingIntervalOf(input)!;
  if (ping < policy.minPingIntervalMs) {
    out.findings.push({
      id: "too_many_pings",
      message: `The client pings every ${
        flagDuration(ping)
      }, sooner than the server allows (a ping less than ${
        flagDuration(policy.minPingIntervalMs)
      } after the previous one, interval / 2, is a strike): after ${
        policy.maxPingStrikes + 1
      } early pings in a row it gets error too_many_pings and the connection is closed, about ${
        formatDuration((policy.maxPingStrikes + 1) * ping)
      } after its first ping. Lifeline's client then doubles its interval; a client that does not reconnects and is cut again`,
      fixes: [
        `make the client ping every ${
          flagDuration(policy.intervalMs)
        } (the server's interval, which Lifeline's client follows) and never sooner than every ${
          flagDuration(policy.minPingIntervalMs)
        }`,
        `or let the server accept it: deno task server --interval ${
          flagDuration(ping)
        } --timeout ${flagDuration(3 * ping)}`,
      ],
    });
  }
  if (policy.timeoutMs < ping + input.roundTripMs) {
    const timeout = Math.max(3 * ping, ping + 2 * input.roundTripMs);
    out.findings.push({
      id: "false_timeouts",
      message: `The server drops a client silent for ${
        formatDuration(policy.timeoutMs)
      }, but a healthy client's pings come ${
        formatDuration(ping)
      } apart and may take a round trip (up to ${
        formatDuration(input.roundTripMs)
      }) more: healthy clients are timed out`,
      fixes: [
        `deno task server --interval ${
          flagDuration(policy.intervalMs)
        } --timeout ${flagDuration(Math.ceil(timeout / 1000) * 1000)}`,
      ],
    });
  }
  const keepaliveMs = vanishedWorstMs(input, "keepalive");
  const heartbeatMs = vanishedWorstMs(input, "heartbeat");
  if (
    keepaliveMs !== undefined && heartbeatMs !== undefined &&
    keepaliveMs > heartbeatMs
  ) {
    out.notes.push({
      id: "keepalive_slower_than_heartbeat",
      message: `Keepalive's worst case for a vanished peer (${
        formatDuration(keepaliveMs)
      }) is longer than the heartbeat's (${
        formatDuration(heartbeatMs)
      }): harmless, the heartbeat notices first; keepalive matters only for connections without it`,
    });
  }
  if (policy.assumed.length > 0) {
    out.notes.push({
      id: "assumed_policy",
      message: `${policy.assumed.join(" and ")} are the server's defaults (${
        formatDuration(policy.tickMs)
      } and ${
        formatDuration(policy.minPingIntervalMs)
      }): ${policy.source} does not carry them (give --tick if the server runs with another)`,
    });
  }
}

function withoutHeartbeat(input: DoctorInput, out: Checked): void {
  const k = keepaliveOf(input.kernel);
  const keepaliveMs = vanishedWorstMs(input, "keepalive")!;
  if (keepaliveMs > SLOW_DETECTION_SECONDS * 1000) {
    const idle = Math.min(
      NO_HEARTBEAT_BUDGET_MS,
      ...input.path.filter((box) => box.countsProbes).map((box) => box.idleMs),
    );
    const fit = keepaliveWithin(idle, NO_HEARTBEAT_BUDGET_MS);
    const budget = flagDuration((fit?.budgetS ?? 120) * 1000);
    out.findings.push({
      id: "no_heartbeat_slow_keepalive",
      message:
        `No heartbeat, and keepalive ${k.time}/${k.intvl}/${k.probes} takes up to ${
          formatDuration(keepaliveMs)
        } to notice a vanished peer (max(time, intvl) + probes × intvl): a dead peer's connection lingers that long`,
      fixes: [
        `deno task sysctl plan --detect-within ${budget}`,
        `sudo deno task sysctl apply --detect-within ${budget} --file /etc/sysctl.d/60-keepalive.conf`,
        `or run Lifeline's heartbeat: deno task server --interval 5s --timeout 15s`,
      ],
    });
  }
  out.findings.push({
    id: "no_heartbeat_frozen_peer",
    message:
      "No heartbeat: nothing notices a frozen peer (stopped, deadlocked, in a long pause), as its kernel still acknowledges data and keepalive probes",
    fixes: [
      "run Lifeline's heartbeat: deno task server --interval 5s --timeout 15s",
    ],
  });
}

/**
 * The heartbeat's findings and notes: a client pinging faster than the
 * server's minimum (too_many_pings), a timeout shorter than the ping
 * interval plus a round trip (false timeouts), keepalive slower than the
 * heartbeat (a note: harmless), and without a heartbeat, keepalive that
 * takes longer than 15 minutes and a frozen peer nothing notices.
 *
 * @param input The diagnosis input.
 * @returns The findings and notes.
 *
 * @example A client that pings every second against the server's defaults
 * ```ts
 * import { policyChecks } from "./_policy_checks.ts";
 * import { serverPolicy } from "./_policy.ts";
 * const kernel = { runtime: { time: 60, intvl: 10, probes: 3 }, retries2: 15, retries2Read: true, namespace: {} };
 * const out = policyChecks({
 *   policy: serverPolicy(5000, 15000), clientIntervalMs: 1000, roundTripMs: 500, path: [], kernel,
 * });
 * console.log(out.findings.map((f) => f.id)); // [ "too_many_pings" ]
 * ```
 */
export function policyChecks(input: DoctorInput): Checked {
  const out = nothing();
  if (input.policy === undefined) withoutHeartbeat(input, out);
  else withHeartbeat(input, out);
  return out;
}
