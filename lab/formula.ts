/**
 * The lab's predictions: for each fault and mechanism it measures, the
 * range the shared formulas of `detection/` give at the lab's values, with
 * the formula written out in the lab's values and at production values.
 * The formulas themselves live in `detection/`, which the doctor uses too,
 * so the lab's checks of its measurements check the doctor's numbers.
 * Every time constant enters these formulas linearly, so multiplying all of
 * them by a factor multiplies the detection time by the same factor; only
 * the kernel's retransmission timeout (based on the 200 ms minimum RTO, not
 * on the lab's constants) does not scale.
 *
 * @module
 */

import {
  detect,
  type Detection,
  type DetectionRange,
  type Fault,
  firstDetection,
  keepaliveRangeMs,
  type Mechanism,
  type Middlebox,
  probePeriodS,
  scaleKeepalive,
} from "../detection/mod.ts";
import type { KeepaliveSettings } from "../sysctl/keepalive.ts";
import type {
  FaultId,
  LabParameters,
  LabPrediction,
  MechanismId,
} from "./results_schema.ts";
import { formatMs } from "./stats.ts";

/**
 * The bound for "at once" (a FIN or RST that arrives within one round trip
 * on a veth, plus the process waking up), in ms.
 *
 * @example
 * ```ts
 * import { ROUND_TRIP_BOUND_MS } from "./formula.ts";
 * console.log(ROUND_TRIP_BOUND_MS); // 50
 * ```
 */
export const ROUND_TRIP_BOUND_MS = 50;

/** The lab's faults as the shared fault model names them. */
const FAULT: Record<FaultId, Fault> = {
  client_killed: "peer_killed",
  client_vanishes: "peer_vanished",
  nat_expiry_loose: "mapping_expired",
  nat_expiry_strict: "mapping_expired",
  server_frozen: "peer_frozen",
};

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
  lab: DetectionRange,
  production: KeepaliveSettings,
  formula: string,
  productionFormula = kaText(production),
): LabPrediction {
  const maxMs = keepaliveRangeMs(production).maxMs;
  return range(
    lab.minMs,
    lab.maxMs,
    formula,
    `${productionFormula} = ${formatMs(maxMs)}`,
    maxMs,
  );
}

/** Detection by the retransmission timeout, which does not scale. */
function rtoRange(r: DetectionRange, formula: string): LabPrediction {
  return range(
    r.minMs,
    r.maxMs,
    formula,
    `the same (the RTO does not scale): ${formatMs(r.minMs)}`,
    r.minMs,
  );
}

/** The range of a prediction that is a time (it is, for these faults). */
function timed(d: Detection): DetectionRange {
  if (d.outcome !== "detected") {
    throw new TypeError(`Cannot use a "${d.outcome}" prediction as a time`);
  }
  return d;
}

/** The keepalive of `setKeepAlive(true, ms)` under Deno: TCP_KEEPIDLE only. */
function nodeIdleSettings(p: LabParameters): KeepaliveSettings {
  const kd = p.keepaliveDefault;
  return { time: p.nodeIdleMs / 1000, intvl: kd.intvl, probes: kd.probes };
}

/** Node 20's libuv forces intvl 1 s and 10 probes; only the idle scales. */
function node20Settings(p: LabParameters): KeepaliveSettings {
  return { time: p.nodeIdleMs / 1000, intvl: 1, probes: 10 };
}

/** The mechanisms a lab case runs, as the shared fault model takes them. */
function mechanismsOf(mechanism: MechanismId, p: LabParameters): Mechanism[] {
  const keepalive = (settings: KeepaliveSettings): Mechanism => ({
    kind: "keepalive",
    settings,
  });
  const heartbeat: Mechanism = { kind: "heartbeat", ...p.heartbeat };
  switch (mechanism) {
    case "none":
      return [{ kind: "rto", retries2: p.tcpRetries2.default }];
    case "none_retries2":
      return [{ kind: "rto", retries2: p.tcpRetries2.lowered }];
    case "keepalive_default":
      return [keepalive(p.keepaliveDefault)];
    case "keepalive_tuned":
      return [keepalive(p.keepaliveTuned)];
    case "node_idle":
      return [keepalive(nodeIdleSettings(p))];
    case "node20_idle":
      return [keepalive(node20Settings(p))];
    case "heartbeat":
      return [heartbeat];
    case "heartbeat_keepalive":
      return [heartbeat, keepalive(p.keepaliveTuned)];
  }
}

/** The lab router's NAT: loose conntrack answers a late packet with RST. */
function natOf(fault: FaultId, p: LabParameters): Middlebox {
  return {
    idleMs: p.conntrackTimeoutS * 1000,
    afterExpiry: fault === "nat_expiry_loose" ? "reset" : "drop",
    countsProbes: true,
  };
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
  const hb = p.heartbeat;
  const nodeIdle = nodeIdleSettings(p);
  const nodeProd = { ...nodeIdle, time: nodeIdle.time * f };
  const node20 = node20Settings(p);
  const node20Prod = { ...node20, time: node20.time * f };
  const hbText = (tick: number, scale: number) =>
    `timeout + tick = ${formatMs(hb.timeoutMs * scale)} + ${
      formatMs(tick * scale)
    }`;
  const natS = p.conntrackTimeoutS;
  const isNat = fault === "nat_expiry_loose" || fault === "nat_expiry_strict";
  const detections = mechanismsOf(mechanism, p).map((m) =>
    detect(FAULT[fault], m, {
      roundTripMs: ROUND_TRIP_BOUND_MS,
      middlebox: isNat ? natOf(fault, p) : undefined,
    })
  );
  const [first] = detections;

  if (fault === "client_killed") {
    const r = timed(first);
    return range(
      r.minMs,
      r.maxMs,
      "the client's kernel sends FIN (or RST): the server's read ends at once",
      "the same: one round trip",
      0,
    );
  }

  if (isNat) {
    const kept = (d: Detection | undefined) => d?.outcome === "kept_alive";
    const probeSurvives = (k: KeepaliveSettings, prod: KeepaliveSettings) =>
      survives(
        `probe every max(time, intvl) = ${
          probePeriodS(k)
        } s < conntrack ${natS} s keeps the mapping`,
        `${probePeriodS(prod)} s < ${natS * f} s`,
      );
    const pingSurvives = () =>
      survives(
        `ping every ${
          formatMs(hb.intervalMs)
        } < conntrack ${natS} s keeps the mapping`,
        `${formatMs(hb.intervalMs * f)} < ${natS * f} s`,
      );
    switch (mechanism) {
      case "none":
      case "none_retries2": {
        const r = timed(first);
        if (fault === "nat_expiry_loose") {
          return range(
            r.minMs,
            r.maxMs,
            "the server writes after the mapping expired; the router answers with RST",
            "the same: one round trip",
            0,
          );
        }
        const retries2 = mechanism === "none"
          ? p.tcpRetries2.default
          : p.tcpRetries2.lowered;
        return rtoRange(
          r,
          `the server writes; RTO gives up after Σ min(200 ms·2^i, 120 s), i = 0..${retries2} = ${
            formatMs(r.minMs)
          }`,
        );
      }
      case "keepalive_default":
        return kept(first) ? probeSurvives(kd, kd) : never(
          `idle ${kd.time} s > conntrack ${natS} s: the mapping expires; nobody sends, nobody notices`,
          `${kd.time} s > ${natS * f} s: the same`,
        );
      case "keepalive_tuned":
        return kept(first)
          ? probeSurvives(kt, scaleKeepalive(kt, f))
          : never("keepalive too slow for the NAT");
      case "heartbeat_keepalive":
        if (kept(detections[1])) {
          return probeSurvives(kt, scaleKeepalive(kt, f));
        }
        return kept(first)
          ? pingSurvives()
          : never("keepalive too slow for the NAT");
      case "node_idle":
        return kept(first)
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
        return kept(first)
          ? survives(
            `probe every max(idle, 1 s) = ${
              probePeriodS(node20)
            } s < conntrack ${natS} s keeps the mapping`,
            `${probePeriodS(node20Prod)} s < ${natS * f} s`,
          )
          : never("idle too long for the NAT");
      case "heartbeat":
        return kept(first)
          ? pingSurvives()
          : never("heartbeat too slow for the NAT");
    }
  }

  if (fault === "server_frozen") {
    // The frozen server's kernel still ACKs data and keepalive probes.
    if (first.outcome !== "detected") {
      return never(
        "the frozen server's kernel ACKs data and keepalive probes: TCP sees a healthy peer",
      );
    }
    const { minMs, maxMs } = first;
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

  // client_vanishes: the server notices.
  const r = timed(first);
  switch (mechanism) {
    case "none":
      return rtoRange(
        r,
        `the server writes; RTO gives up after Σ min(200 ms·2^i, 120 s), i = 0..${p.tcpRetries2.default} = ${
          formatMs(r.minMs)
        }`,
      );
    case "none_retries2":
      return rtoRange(
        r,
        `the server writes; tcp_retries2=${p.tcpRetries2.lowered}: Σ 200 ms·2^i, i = 0..${p.tcpRetries2.lowered} = ${
          formatMs(r.minMs)
        }`,
      );
    case "keepalive_default":
      return keepaliveRange(r, kd, kaText(kd));
    case "keepalive_tuned":
      return keepaliveRange(r, scaleKeepalive(kt, f), kaText(kt));
    case "node_idle":
      return keepaliveRange(
        r,
        nodeProd,
        `setKeepAlive idle + namespace probes × intvl = ${nodeIdle.time} s + ${kd.probes} × ${kd.intvl} s`,
      );
    case "node20_idle":
      return keepaliveRange(
        r,
        node20Prod,
        `idle + 10 × 1 s (libuv) = ${node20.time} s + 10 × 1 s`,
        `${node20Prod.time} s + 10 × 1 s (libuv's intvl does not scale)`,
      );
    case "heartbeat":
    case "heartbeat_keepalive": {
      const both = mechanism === "heartbeat_keepalive";
      const combined = firstDetection(detections.map(timed))!;
      const ka = both ? timed(detections[1]) : undefined;
      return range(
        combined.minMs,
        combined.maxMs,
        `server: ${hbText(hb.tickMs, 1)}${
          ka !== undefined
            ? ` (keepalive alone: ${formatMs(ka.minMs)}–${formatMs(ka.maxMs)})`
            : ""
        }`,
        `${hbText(hb.tickMs, f)} = ${formatMs(r.maxMs * f)}`,
        r.maxMs * f,
      );
    }
  }
}
