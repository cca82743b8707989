/**
 * How long each liveness mechanism takes to notice each way a connection
 * dies: the retransmission timeout with `tcp_retries2`, TCP keepalive with
 * its three sysctls, Lifeline's heartbeat, and the idle timeouts of the
 * NATs and load balancers on the way. The lab (`deno task lab`) checks
 * these formulas against measurements in network namespaces; the doctor
 * (`deno task doctor`) applies them to a deployment. Pure functions, no I/O.
 *
 * @example How long a vanished client goes unnoticed, and what keeps an NLB's mapping
 * ```ts
 * import { detect, keepsAlive } from "@lifeline/lifeline/detection";
 * const keepalive = { kind: "keepalive" as const, settings: { time: 7200, intvl: 75, probes: 9 } };
 * console.log(detect("peer_vanished", keepalive, { roundTripMs: 100 })); // { outcome: "detected", minMs: 675000, maxMs: 7875000 }
 * const nlb = { idleMs: 350_000, afterExpiry: "reset" as const, countsProbes: true };
 * console.log(keepsAlive(keepalive, nlb)); // false: the first probe comes after 7200 s
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./rto.ts";
export * from "./keepalive.ts";
export * from "./heartbeat.ts";
export * from "./middlebox.ts";
export * from "./first.ts";
export * from "./detect.ts";
