/**
 * The fault model: when each mechanism notices each fault. The lab checks
 * these predictions against measurements in network namespaces
 * (`lab/formula.ts` builds its predictions from them), and the doctor
 * applies them to a deployment's settings, so both give the same numbers.
 *
 * @module
 */

import { heartbeatRangeMs } from "./heartbeat.ts";
import { keepaliveRangeMs } from "./keepalive.ts";
import { keepsAlive, trafficPeriodMs } from "./middlebox.ts";
import { rtoRangeMs } from "./rto.ts";
import type {
  Detection,
  DetectionRange,
  Fault,
  Mechanism,
  Middlebox,
} from "./types.ts";

/** What {@linkcode detect} needs to know besides the fault and the mechanism. */
export interface DetectOptions {
  /**
   * The longest round trip, in milliseconds: a FIN or RST arrives within it.
   */
  roundTripMs: number;
  /**
   * The middlebox whose mapping expires; needed for `mapping_expired`.
   *
   * @default {undefined}
   */
  middlebox?: Middlebox;
}

function detected(range: DetectionRange): Detection {
  return { outcome: "detected", minMs: range.minMs, maxMs: range.maxMs };
}

/**
 * When a vanished peer is noticed: retransmissions give up after
 * `tcp_retries2` once a side writes, keepalive after its probes, the
 * server's heartbeat `timeout + tick` after the last ping.
 */
function vanished(m: Mechanism): DetectionRange {
  switch (m.kind) {
    case "rto":
      return rtoRangeMs(m.retries2);
    case "keepalive":
      return keepaliveRangeMs(m.settings);
    case "heartbeat":
      return heartbeatRangeMs(m, m.tickMs);
  }
}

/**
 * When an expired mapping is noticed, counted from the expiry, by a
 * mechanism that did not keep it alive. A write (the RTO's case) meets the
 * expired mapping at once; keepalive's next probe is due at most
 * `max(time, intvl) − idle` after the expiry and then, dropped, needs its
 * `probes × intvl`; the server's heartbeat hears nothing after the last
 * ping, which came `idle` before the expiry, so it times out
 * `timeout − idle` (up to a tick later) after it.
 */
function afterExpiry(
  m: Mechanism,
  box: Middlebox,
  roundTripMs: number,
): DetectionRange {
  const reset = box.afterExpiry === "reset";
  switch (m.kind) {
    case "rto":
      return reset ? { minMs: 0, maxMs: roundTripMs } : rtoRangeMs(m.retries2);
    case "keepalive": {
      const wait = Math.max(0, trafficPeriodMs(m)! - box.idleMs);
      if (reset) return { minMs: 0, maxMs: wait + roundTripMs };
      const probing = m.settings.probes * m.settings.intvl * 1000;
      return { minMs: probing, maxMs: wait + probing };
    }
    case "heartbeat": {
      const after = Math.max(0, m.timeoutMs - box.idleMs);
      return { minMs: after, maxMs: after + m.tickMs };
    }
  }
}

/**
 * Predicts how a mechanism meets a fault, as a range of milliseconds after
 * the fault, `never`, or `kept_alive`. The observer is the side that should
 * notice: the server for a killed or vanished client and an expired
 * mapping (the worst case: it only reads), the client for a frozen server.
 *
 * - `peer_killed`: the peer's kernel sends FIN or RST; every mechanism
 *   notices within a round trip, as the reader sees the end.
 * - `peer_vanished`: retransmissions once a side writes
 *   (`Σ min(200 ms · 2^i, 120 s)`, i = 0..tcp_retries2), keepalive in
 *   `[probes × intvl, max(time, intvl) + probes × intvl]`, the heartbeat in
 *   `[timeout − interval, timeout + tick]`.
 * - `mapping_expired`: `kept_alive` when the mechanism sends more often
 *   than the middlebox forgets (and it counts what it sends); otherwise
 *   from the expiry: at once when the middlebox closes both sides, or for a
 *   write that meets a reset; the RTO for a write that is dropped;
 *   keepalive's next probe; the heartbeat's timeout.
 * - `peer_frozen`: the frozen side's kernel still acknowledges data and
 *   probes, so TCP never notices; the client's heartbeat does in
 *   `[timeout − interval, timeout + interval]`.
 *
 * @param fault The fault.
 * @param m The mechanism.
 * @param options The round trip, and the middlebox for `mapping_expired`.
 * @returns The prediction.
 * @throws {TypeError} For `mapping_expired` without a middlebox.
 *
 * @example The server's default heartbeat against a vanished client
 * ```ts
 * import { detect } from "@lifeline/lifeline/detection";
 * const heartbeat = { kind: "heartbeat" as const, intervalMs: 5000, timeoutMs: 15000, tickMs: 1000 };
 * console.log(detect("peer_vanished", heartbeat, { roundTripMs: 100 })); // { outcome: "detected", minMs: 10000, maxMs: 16000 }
 * ```
 */
export function detect(
  fault: Fault,
  m: Mechanism,
  options: DetectOptions,
): Detection {
  const atOnce: DetectionRange = { minMs: 0, maxMs: options.roundTripMs };
  switch (fault) {
    case "peer_killed":
      return detected(atOnce);
    case "peer_vanished":
      return detected(vanished(m));
    case "peer_frozen":
      return m.kind === "heartbeat"
        ? detected(heartbeatRangeMs(m, m.intervalMs))
        : { outcome: "never", why: "acked" };
    case "mapping_expired": {
      const box = options.middlebox;
      if (box === undefined) {
        throw new TypeError(
          `Cannot predict "mapping_expired": expected options.middlebox`,
        );
      }
      if (keepsAlive(m, box)) {
        return { outcome: "kept_alive", periodMs: trafficPeriodMs(m)! };
      }
      if (box.afterExpiry === "close") return detected(atOnce);
      return detected(afterExpiry(m, box, options.roundTripMs));
    }
  }
}
