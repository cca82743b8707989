/**
 * The adaptive heartbeat experiment: Lifeline's client with `--adaptive`
 * behind the lab's strict NAT with a known idle timeout. The lab records the
 * interval over time and checks that it settles just below the timeout and
 * that the connection then holds.
 *
 * @module
 */

import type { LabAdaptive, LabParameters } from "./results_schema.ts";
import { createTopology } from "./netns.ts";
import { NsProcess } from "./ns_process.ts";
import {
  lifelineClientCommand,
  lifelineServerCommand,
  startListening,
} from "./endpoints.ts";

/**
 * An adaptive result that records why the experiment did not run.
 *
 * @param note Why.
 * @returns The (empty) result.
 *
 * @example
 * ```ts
 * import { skippedAdaptive } from "./adaptive.ts";
 * console.log(skippedAdaptive("skipped").ran); // false
 * ```
 */
export function skippedAdaptive(note: string): LabAdaptive {
  return {
    ran: false,
    natTimeoutMs: ADAPTIVE_NAT_TIMEOUT_S * 1000,
    options: {},
    samples: [],
    settledIntervalMs: null,
    settledAtMs: null,
    observedAfterSettleMs: 0,
    dropsAfterSettle: 0,
    ok: false,
    note,
  };
}

/** Options of {@linkcode runAdaptive}. */
export interface AdaptiveRunOptions {
  /** How long to keep watching once the interval settled. @default {30000} */
  observeAfterSettleMs?: number;
  /** Give up when nothing settled after this long. @default {150000} */
  limitMs?: number;
}

/**
 * The client's adaptive constants for the lab: Mars' smart heartbeat
 * (minimum 210 s, maximum 10 min, +60 s after 5 successes, −80 s after 2
 * failures) divided by the lab's scale factor, 60 (ms).
 */
export const ADAPTIVE_LAB_OPTIONS = {
  "adaptive-min": 3500,
  "adaptive-max": 10000,
  "adaptive-step": 1000,
  "adaptive-backoff": 1333,
  "adaptive-successes": 5,
  "adaptive-failures": 2,
} as const;

/**
 * The NAT idle timeout of the adaptive experiment, in seconds: 6 s stands
 * for 360 s at the lab's scale, close to the AWS NAT gateway's 350 s.
 */
export const ADAPTIVE_NAT_TIMEOUT_S = 6;

/** The server's policy during the experiment: its timeout caps the client's interval. */
export const ADAPTIVE_SERVER = {
  intervalMs: 1000,
  timeoutMs: 8000,
  tickMs: 250,
} as const;

/**
 * Reads the adaptive interval's history from the client's `--json` lines.
 *
 * @param lines The client's output lines (parsed JSON with `t` and `event`).
 * @param startedAt When the client started (epoch ms).
 * @param observeAfterSettleMs How long the lab watched after settling.
 * @param natTimeoutMs The NAT's idle timeout.
 * @returns Samples, settle point, drops after settling, and the verdict.
 *
 * @example
 * ```ts
 * import { analyzeAdaptive } from "./adaptive.ts";
 * const r = analyzeAdaptive([
 *   { t: 0, event: "welcome", effectiveInterval: 1000 },
 *   { t: 9000, event: "adaptive", change: "step_up", interval: 2000, settled: false },
 *   { t: 30000, event: "adaptive", change: "back_off", interval: 3500, settled: true },
 * ], 0, 20000, 4000);
 * console.log(r.settledIntervalMs, r.dropsAfterSettle); // 3500 0
 * ```
 */
export function analyzeAdaptive(
  lines: Record<string, unknown>[],
  startedAt: number,
  observeAfterSettleMs: number,
  natTimeoutMs: number,
): Pick<
  LabAdaptive,
  "samples" | "settledIntervalMs" | "settledAtMs" | "dropsAfterSettle" | "ok"
> {
  const samples: LabAdaptive["samples"] = [];
  let interval = 0;
  let settledAt: number | null = null;
  let settledInterval: number | null = null;
  let drops = 0;
  for (const line of lines) {
    const t = Number(line.t) - startedAt;
    const event = String(line.event);
    if (event === "welcome") {
      interval = Number(line.effectiveInterval ?? line.interval ?? interval);
      samples.push({
        tMs: Math.max(0, t),
        intervalMs: interval,
        event: line.reconnect ? "reconnect" : "start",
      });
    } else if (event === "adaptive" && line.change !== "none") {
      interval = Number(line.interval);
      samples.push({
        tMs: Math.max(0, t),
        intervalMs: interval,
        event: String(line.change),
      });
      if (line.settled === true && settledAt === null) {
        settledAt = t;
        settledInterval = interval;
      } else if (line.settled !== true && settledAt !== null) {
        drops++; // started over: the settled interval failed
      }
    } else if (event === "adaptive" && line.result === "failure") {
      samples.push({
        tMs: Math.max(0, t),
        intervalMs: interval,
        event: "failure",
      });
    } else if (event === "disconnect" || event === "dead") {
      samples.push({ tMs: Math.max(0, t), intervalMs: interval, event });
      // The disconnect that made it settle comes with the settling itself.
      if (
        settledAt !== null && t > settledAt + 1000 && event === "disconnect"
      ) {
        drops++;
      }
    }
  }
  const ok = settledInterval !== null && settledInterval < natTimeoutMs &&
    drops === 0 &&
    observeAfterSettleMs > 0;
  return {
    samples,
    settledIntervalMs: settledInterval,
    settledAtMs: settledAt,
    dropsAfterSettle: drops,
    ok,
  };
}

/**
 * Runs the adaptive heartbeat experiment: Lifeline's server, and the client
 * with `--adaptive` behind the strict NAT, until the interval settles and
 * then for `observeAfterSettleMs` more.
 *
 * @param p The lab's parameters (the NAT timeout).
 * @param log Progress lines.
 * @param options How long to watch.
 * @returns The result.
 *
 * @example Run the experiment (root only)
 * ```ts ignore
 * import { runAdaptive } from "./adaptive.ts";
 * import { DEFAULT_PARAMETERS } from "./cases.ts";
 * const result = await runAdaptive(DEFAULT_PARAMETERS, console.error);
 * console.log(result.settledIntervalMs, result.ok);
 * ```
 */
export async function runAdaptive(
  p: LabParameters,
  log: (line: string) => void,
  options: AdaptiveRunOptions = {},
): Promise<LabAdaptive> {
  const observe = options.observeAfterSettleMs ?? 30_000;
  const limit = options.limitMs ?? 150_000;
  const natTimeoutMs = ADAPTIVE_NAT_TIMEOUT_S * 1000;
  await using topology = await createTopology({
    nat: "strict",
    conntrackTimeoutS: ADAPTIVE_NAT_TIMEOUT_S,
  });
  await using _server = await startListening(
    topology.server,
    lifelineServerCommand(topology.serverAddr, ADAPTIVE_SERVER),
    "Lifeline server",
  );
  const flags = Object.entries(ADAPTIVE_LAB_OPTIONS).flatMap((
    [k, v],
  ) => [`--${k}`, String(v)]);
  const startedAt = Date.now();
  const client = new NsProcess(
    topology.client,
    lifelineClientCommand(topology.serverAddr, "adaptive", [
      "--adaptive",
      ...flags,
    ]),
  );
  await using _client = client;
  const settled = await client.waitFor(
    (l) => l.json?.event === "adaptive" && l.json.settled === true,
    limit,
  );
  if (settled === null) {
    log(`adaptive: did not settle within ${limit} ms`);
  } else {
    log(
      `adaptive: settled at ${settled.json?.interval} ms; watching ${observe} ms`,
    );
    await new Promise((resolve) => setTimeout(resolve, observe));
  }
  const lines = client.lines.flatMap((
    l,
  ) => (l.json === undefined ? [] : [l.json]));
  const result = analyzeAdaptive(
    lines,
    startedAt,
    settled === null ? 0 : observe,
    natTimeoutMs,
  );
  if (settled !== null) {
    // Close the curve at the end of the watch, so the chart shows it held.
    result.samples.push({
      tMs: Date.now() - startedAt,
      intervalMs: result.samples.at(-1)?.intervalMs ?? 0,
      event: "end",
    });
  }
  return {
    ran: true,
    natTimeoutMs,
    options: {
      ...ADAPTIVE_LAB_OPTIONS,
      serverInterval: ADAPTIVE_SERVER.intervalMs,
      serverTimeout: ADAPTIVE_SERVER.timeoutMs,
      nat: "strict",
    },
    ...result,
    observedAfterSettleMs: settled === null ? 0 : observe,
    note: settled === null
      ? "the interval did not settle within the limit"
      : `settled at ${result.settledIntervalMs} ms against a ${natTimeoutMs} ms NAT idle timeout ` +
        `(${
          Math.round((result.settledIntervalMs ?? 0) / natTimeoutMs * 100)
        }%); ` +
        `production (× ${p.scale.factor}): ${
          Math.round((result.settledIntervalMs ?? 0) * p.scale.factor / 1000)
        } s ` +
        `against ${natTimeoutMs * p.scale.factor / 1000} s`,
  };
}
