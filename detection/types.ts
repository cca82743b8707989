/**
 * The shapes the detection formulas share: a range of detection times, the
 * faults, the mechanisms that may notice them and the middleboxes on the way.
 *
 * @module
 */

/**
 * The three keepalive settings, in seconds (time, intvl) and a count
 * (probes): what the formulas take, and what the sysctl manager reads.
 */
export interface KeepaliveSettings {
  /** Idle seconds before the first probe (`net.ipv4.tcp_keepalive_time`). */
  time: number;
  /** Seconds between probes (`net.ipv4.tcp_keepalive_intvl`). */
  intvl: number;
  /** Unanswered probes before the connection is dropped (`net.ipv4.tcp_keepalive_probes`). */
  probes: number;
}

/** When a mechanism notices a fault, as a range of milliseconds after it. */
export interface DetectionRange {
  /** The earliest detection, in milliseconds after the fault. */
  minMs: number;
  /** The latest detection (the worst case), in milliseconds after the fault. */
  maxMs: number;
}

/**
 * The ways a peer or the path between two peers can fail:
 *
 * - `peer_killed`: the peer's process dies; its kernel sends FIN or RST;
 * - `peer_vanished`: the peer's host is gone (power, cable, a silent drop
 *   of every packet);
 * - `mapping_expired`: a NAT or load balancer on the path forgets the
 *   connection after its idle timeout;
 * - `peer_frozen`: the peer's process is stopped (SIGSTOP, a long GC pause,
 *   a deadlock) while its kernel still answers.
 */
export type Fault =
  | "peer_killed"
  | "peer_vanished"
  | "mapping_expired"
  | "peer_frozen";

/**
 * The faults, in the order reports list them.
 *
 * @example
 * ```ts
 * import { FAULTS } from "@lifeline/lifeline/detection";
 * console.log(FAULTS.length); // 4
 * ```
 */
export const FAULTS: readonly Fault[] = [
  "peer_killed",
  "peer_vanished",
  "mapping_expired",
  "peer_frozen",
];

/**
 * Retransmissions: a side wrote and nothing was acknowledged; Linux gives up
 * after `tcp_retries2` doubling timeouts.
 */
export interface RtoMechanism {
  /** The mechanism. */
  kind: "rto";
  /** `net.ipv4.tcp_retries2`. */
  retries2: number;
}

/** TCP keepalive probes on an idle connection, with the kernel's settings. */
export interface KeepaliveMechanism {
  /** The mechanism. */
  kind: "keepalive";
  /** `tcp_keepalive_time`, `_intvl` (seconds) and `_probes`. */
  settings: KeepaliveSettings;
}

/**
 * Lifeline's heartbeat: the client pings every `intervalMs`, the server
 * answers and drops a client silent for `timeoutMs`, swept every `tickMs`;
 * the client declares the server dead after `timeoutMs` without a frame.
 */
export interface HeartbeatMechanism {
  /** The mechanism. */
  kind: "heartbeat";
  /** How often the client pings, in milliseconds. */
  intervalMs: number;
  /** The silence after which a side is declared dead, in milliseconds. */
  timeoutMs: number;
  /** The server's sweep period, in milliseconds. */
  tickMs: number;
}

/** A mechanism that may notice a fault. */
export type Mechanism = RtoMechanism | KeepaliveMechanism | HeartbeatMechanism;

/**
 * What a middlebox does with a packet that arrives after it forgot the
 * connection: `drop` it silently (a carrier NAT, Azure's default), answer
 * with a `reset` (AWS NLB, Linux conntrack with loose tracking), or it
 * `close`s both sides itself at the timeout (a proxy such as AWS ALB).
 */
export type AfterExpiry = "drop" | "reset" | "close";

/** A NAT, firewall or load balancer that forgets idle connections. */
export interface Middlebox {
  /** Its idle timeout, in milliseconds. */
  idleMs: number;
  /** What a late packet meets. */
  afterExpiry: AfterExpiry;
  /**
   * Whether TCP keepalive probes (no payload) reset its idle timer; a proxy
   * counts only data.
   */
  countsProbes: boolean;
}

/**
 * What a mechanism does about a fault:
 *
 * - `detected`: it notices within the range;
 * - `never`: it never notices (`acked`: the frozen peer's kernel answers
 *   for it);
 * - `kept_alive`: its own traffic, every `periodMs`, keeps the middlebox
 *   from forgetting the connection, so the fault does not happen.
 */
export type Detection =
  | ({ outcome: "detected" } & DetectionRange)
  | { outcome: "never"; why: "acked" }
  | { outcome: "kept_alive"; periodMs: number };
