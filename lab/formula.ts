/**
 * The formulas that predict how long each mechanism takes to notice each
 * fault, used to check the lab's measurements and to scale them back up to
 * production values. Every time constant enters these formulas linearly, so
 * multiplying all of them by a factor multiplies the detection time by the
 * same factor; only the kernel's retransmission timeout (based on the 200 ms
 * minimum RTO, not on the lab's constants) does not scale.
 *
 * @module
 */

import type {
  FaultId,
  LabParameters,
  LabPrediction,
  MechanismId,
} from "./results_schema.ts";
import { formatMs } from "./stats.ts";

/** Keepalive settings in seconds, as the three sysctls hold them. */
export interface KeepaliveSettings {
  time: number;
  intvl: number;
  probes: number;
}

/**
 * The bound for "at once" (a FIN or RST that arrives within one round trip
 * on a veth, plus the process waking up), in ms.
 */
export const ROUND_TRIP_BOUND_MS = 50;

/** The minimum retransmission timeout of Linux (TCP_RTO_MIN), in ms. */
export const RTO_MIN_MS = 200;
/** The maximum retransmission timeout of Linux (TCP_RTO_MAX), in ms. */
export const RTO_MAX_MS = 120_000;

/**
 * How long Linux keeps retransmitting unacknowledged data before it gives up
 * with ETIMEDOUT, for a given `tcp_retries2`: the sum of the doubling RTOs
 * from TCP_RTO_MIN, each capped at TCP_RTO_MAX (`retransmits_timed_out()`).
 *
 * @param retries2 The value of `net.ipv4.tcp_retries2`.
 * @returns Milliseconds from the first transmission to the give-up.
 *
 * @example The default, 15, gives the well-known 924.6 s
 * ```ts
 * import { rtoGiveUpMs } from "./formula.ts";
 * console.log(rtoGiveUpMs(15)); // 924600
 * console.log(rtoGiveUpMs(5)); // 12600
 * ```
 */
export function rtoGiveUpMs(retries2: number): number {
  let total = 0;
  for (let i = 0; i <= retries2; i++) {
    total += Math.min(RTO_MIN_MS * 2 ** i, RTO_MAX_MS);
  }
  return Math.round(total);
}

/**
 * How often an idle, healthy connection sends a keepalive probe: the timer
 * fires `time` after the last packet, and after each probe it is re-armed
 * for `intvl`, so the period is `max(time, intvl)`. With
 * `setKeepAlive(true, 2000)` under Deno (idle 2 s, namespace intvl 75 s) an
 * idle connection is probed only every 75 s.
 *
 * @param k The keepalive settings in seconds.
 * @returns The period in seconds.
 *
 * @example
 * ```ts
 * import { probePeriodS } from "./formula.ts";
 * console.log(probePeriodS({ time: 2, intvl: 75, probes: 9 })); // 75
 * ```
 */
export function probePeriodS(k: KeepaliveSettings): number {
  return Math.max(k.time, k.intvl);
}

/**
 * The range of keepalive detection times after a peer vanishes: the first
 * unanswered probe goes out one probe period (`max(time, intvl)`, see
 * {@linkcode probePeriodS}) after the last answered one, then `probes`
 * probes `intvl` apart; so the detection happens between `probes × intvl`
 * (the peer vanished just before a probe was due) and
 * `max(time, intvl) + probes × intvl` (just after a probe was answered; the
 * familiar `time + probes × intvl` when `time ≥ intvl`).
 *
 * @param k The keepalive settings in seconds.
 * @returns The range in milliseconds.
 *
 * @example Defaults of a fresh namespace
 * ```ts
 * import { keepaliveRangeMs } from "./formula.ts";
 * console.log(keepaliveRangeMs({ time: 7200, intvl: 75, probes: 9 })); // { minMs: 675000, maxMs: 7875000 }
 * ```
 */
export function keepaliveRangeMs(
  k: KeepaliveSettings,
): { minMs: number; maxMs: number } {
  return {
    minMs: k.probes * k.intvl * 1000,
    maxMs: (probePeriodS(k) + k.probes * k.intvl) * 1000,
  };
}

/**
 * The same keepalive settings multiplied by a factor (the probe count stays).
 *
 * @param k Settings in seconds.
 * @param factor The factor.
 * @returns The scaled settings.
 *
 * @example
 * ```ts
 * import { scaleKeepalive } from "./formula.ts";
 * console.log(scaleKeepalive({ time: 2, intvl: 1, probes: 3 }, 60)); // { time: 120, intvl: 60, probes: 3 }
 * ```
 */
export function scaleKeepalive(
  k: KeepaliveSettings,
  factor: number,
): KeepaliveSettings {
  return { time: k.time * factor, intvl: k.intvl * factor, probes: k.probes };
}

/** A prediction without a time: never detected, or the connection survives. */
function timeless(
  formula: string,
  production: string,
  survives: boolean,
): LabPrediction {
  return {
    minMs: null,
    maxMs: null,
    formula,
    production,
    productionMs: null,
    survives,
  };
}

function never(formula: string, production = formula): LabPrediction {
  return timeless(formula, production, false);
}

function survives(formula: string, production: string): LabPrediction {
  return timeless(formula, production, true);
}

function range(
  minMs: number,
  maxMs: number,
  formula: string,
  production: string,
  productionMs: number,
): LabPrediction {
  return {
    minMs: Math.round(minMs),
    maxMs: Math.round(maxMs),
    formula,
    production,
    productionMs: Math.round(productionMs),
    survives: false,
  };
}

function kaText(k: KeepaliveSettings): string {
  return k.time >= k.intvl
    ? `time + probes × intvl = ${k.time} s + ${k.probes} × ${k.intvl} s`
    : `max(time, intvl) + probes × intvl = ${k.intvl} s + ${k.probes} × ${k.intvl} s`;
}

/** Detection by keepalive: the lab's range, and the latest time at production values. */
function keepaliveRange(
  lab: KeepaliveSettings,
  production: KeepaliveSettings,
  formula: string,
  productionFormula = kaText(production),
): LabPrediction {
  const r = keepaliveRangeMs(lab);
  const maxMs = keepaliveRangeMs(production).maxMs;
  return range(
    r.minMs,
    r.maxMs,
    formula,
    `${productionFormula} = ${formatMs(maxMs)}`,
    maxMs,
  );
}

/** Detection by the retransmission timeout, which does not scale. */
function rtoRange(ms: number, formula: string): LabPrediction {
  return range(
    ms,
    ms * 1.1,
    formula,
    `the same (the RTO does not scale): ${formatMs(ms)}`,
    ms,
  );
}

/**
 * Predicts the detection time of a fault by a mechanism, as a range, with the
 * formula in the lab's values and the same formula at production values (all
 * lab time constants multiplied by `parameters.scale.factor`; the namespace
 * defaults and the kernel's RTO stay as they are).
 *
 * @param fault The fault.
 * @param mechanism The mechanism.
 * @param p The lab's parameters.
 * @returns The prediction.
 *
 * @example Tuned keepalive against a vanished client
 * ```ts
 * import { predict } from "./formula.ts";
 * import { DEFAULT_PARAMETERS } from "./cases.ts";
 * const p = predict("client_vanishes", "keepalive_tuned", DEFAULT_PARAMETERS);
 * console.log(p.minMs, p.maxMs); // 3000 5000
 * ```
 */
export function predict(
  fault: FaultId,
  mechanism: MechanismId,
  p: LabParameters,
): LabPrediction {
  const f = p.scale.factor;
  const kd = p.keepaliveDefault;
  const kt = p.keepaliveTuned;
  const ktProd = scaleKeepalive(kt, f);
  const hb = p.heartbeat;
  const rto = rtoGiveUpMs(p.tcpRetries2.default);
  const rtoLow = rtoGiveUpMs(p.tcpRetries2.lowered);
  const nodeIdle = {
    time: p.nodeIdleMs / 1000,
    intvl: kd.intvl,
    probes: kd.probes,
  };
  const nodeProd = { ...nodeIdle, time: nodeIdle.time * f };
  // Node 20's libuv forces intvl 1 s and 10 probes; only the idle scales.
  const node20 = { time: p.nodeIdleMs / 1000, intvl: 1, probes: 10 };
  const node20Prod = { ...node20, time: node20.time * f };
  const hbRange = (tick: number) => ({
    minMs: hb.timeoutMs - hb.intervalMs,
    maxMs: hb.timeoutMs + tick,
  });
  const hbText = (tick: number, scale: number) =>
    `timeout + tick = ${formatMs(hb.timeoutMs * scale)} + ${
      formatMs(tick * scale)
    }`;
  const natS = p.conntrackTimeoutS;

  if (fault === "client_killed") {
    return range(
      0,
      ROUND_TRIP_BOUND_MS,
      "the client's kernel sends FIN (or RST): the server's read ends at once",
      "the same: one round trip",
      0,
    );
  }

  const isNat = fault === "nat_expiry_loose" || fault === "nat_expiry_strict";
  if (isNat) {
    const quiet = (period: number) => period < natS;
    switch (mechanism) {
      case "none":
      case "none_retries2": {
        if (fault === "nat_expiry_loose") {
          return range(
            0,
            ROUND_TRIP_BOUND_MS,
            "the server writes after the mapping expired; the router answers with RST",
            "the same: one round trip",
            0,
          );
        }
        const ms = mechanism === "none" ? rto : rtoLow;
        const r = mechanism === "none"
          ? p.tcpRetries2.default
          : p.tcpRetries2.lowered;
        return rtoRange(
          ms,
          `the server writes; RTO gives up after Σ min(200 ms·2^i, 120 s), i = 0..${r} = ${
            formatMs(ms)
          }`,
        );
      }
      case "keepalive_default":
        return never(
          `idle ${kd.time} s > conntrack ${natS} s: the mapping expires; nobody sends, nobody notices`,
          `${kd.time} s > ${natS * f} s: the same`,
        );
      case "keepalive_tuned":
      case "heartbeat_keepalive":
        return quiet(probePeriodS(kt))
          ? survives(
            `probe every max(time, intvl) = ${
              probePeriodS(kt)
            } s < conntrack ${natS} s keeps the mapping`,
            `${probePeriodS(kt) * f} s < ${natS * f} s`,
          )
          : never("keepalive too slow for the NAT");
      case "node_idle":
        return quiet(probePeriodS(nodeIdle))
          ? survives(
            `probe every ${
              probePeriodS(nodeIdle)
            } s < conntrack ${natS} s keeps the mapping`,
            `${probePeriodS(nodeProd)} s < ${natS * f} s`,
          )
          : never(
            `idle ${nodeIdle.time} s, but after the first probe the next waits intvl = ${nodeIdle.intvl} s ` +
              `> conntrack ${natS} s: the mapping expires; nobody notices`,
            `probe every max(${nodeProd.time} s, ${nodeProd.intvl} s) > ${
              natS * f
            } s: the same`,
          );
      case "node20_idle":
        return quiet(probePeriodS(node20))
          ? survives(
            `probe every max(idle, 1 s) = ${
              probePeriodS(node20)
            } s < conntrack ${natS} s keeps the mapping`,
            `${probePeriodS(node20Prod)} s < ${natS * f} s`,
          )
          : never("idle too long for the NAT");
      case "heartbeat":
        return quiet(hb.intervalMs / 1000)
          ? survives(
            `ping every ${
              formatMs(hb.intervalMs)
            } < conntrack ${natS} s keeps the mapping`,
            `${formatMs(hb.intervalMs * f)} < ${natS * f} s`,
          )
          : never("heartbeat too slow for the NAT");
    }
  }

  if (fault === "server_frozen") {
    // The frozen server's kernel still ACKs data and keepalive probes.
    switch (mechanism) {
      case "heartbeat":
      case "heartbeat_keepalive": {
        const { minMs, maxMs } = hbRange(hb.intervalMs);
        return range(
          minMs,
          maxMs,
          `client: ${
            hbText(hb.intervalMs, 1)
          } (no pong while the kernel still ACKs)`,
          `${hbText(hb.intervalMs, f)} = ${formatMs(maxMs * f)}`,
          maxMs * f,
        );
      }
      default:
        return never(
          "the frozen server's kernel ACKs data and keepalive probes: TCP sees a healthy peer",
        );
    }
  }

  // client_vanishes: the server notices.
  switch (mechanism) {
    case "none":
      return rtoRange(
        rto,
        `the server writes; RTO gives up after Σ min(200 ms·2^i, 120 s), i = 0..${p.tcpRetries2.default} = ${
          formatMs(rto)
        }`,
      );
    case "none_retries2":
      return rtoRange(
        rtoLow,
        `the server writes; tcp_retries2=${p.tcpRetries2.lowered}: Σ 200 ms·2^i, i = 0..${p.tcpRetries2.lowered} = ${
          formatMs(rtoLow)
        }`,
      );
    case "keepalive_default":
      return keepaliveRange(kd, kd, kaText(kd));
    case "keepalive_tuned":
      return keepaliveRange(kt, ktProd, kaText(kt));
    case "node_idle":
      return keepaliveRange(
        nodeIdle,
        nodeProd,
        `setKeepAlive idle + namespace probes × intvl = ${nodeIdle.time} s + ${kd.probes} × ${kd.intvl} s`,
      );
    case "node20_idle":
      return keepaliveRange(
        node20,
        node20Prod,
        `idle + 10 × 1 s (libuv) = ${node20.time} s + 10 × 1 s`,
        `${node20Prod.time} s + 10 × 1 s (libuv's intvl does not scale)`,
      );
    case "heartbeat":
    case "heartbeat_keepalive": {
      const { minMs, maxMs } = hbRange(hb.tickMs);
      const ka = keepaliveRangeMs(kt);
      const both = mechanism === "heartbeat_keepalive";
      return range(
        both ? Math.min(minMs, ka.minMs) : minMs,
        both ? Math.min(maxMs, ka.maxMs) : maxMs,
        `server: ${hbText(hb.tickMs, 1)}${
          both
            ? ` (keepalive alone: ${formatMs(ka.minMs)}–${formatMs(ka.maxMs)})`
            : ""
        }`,
        `${hbText(hb.tickMs, f)} = ${formatMs(maxMs * f)}`,
        maxMs * f,
      );
    }
  }
}
