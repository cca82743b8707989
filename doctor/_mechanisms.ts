/**
 * The mechanisms that watch a Lifeline connection, as the fault model of
 * `detection/` takes them: retransmissions (always), the kernel's
 * keepalive (the server's sockets set SO_KEEPALIVE, so its sysctls apply),
 * and the heartbeat unless it is off. Internal to `doctor/`.
 *
 * @module
 */

import type { Mechanism } from "../detection/mod.ts";
import { type KeepaliveSettings, KERNEL_DEFAULTS } from "../sysctl/mod.ts";
import { formatDuration } from "../common/duration.ts";
import type { KernelFacts } from "./_kernel.ts";
import type { PathEntry } from "./_presets.ts";
import type { ServerPolicy } from "./_policy.ts";

/** What the doctor diagnoses. */
export interface DoctorInput {
  /** The server's heartbeat policy; `undefined` when no heartbeat runs. */
  policy?: ServerPolicy;
  /**
   * How often the client pings, in milliseconds, when it is not the
   * server's interval (which Lifeline's client follows).
   */
  clientIntervalMs?: number;
  /** The longest round trip between client and server, in milliseconds. */
  roundTripMs: number;
  /** The middleboxes on the way, in any order. */
  path: readonly PathEntry[];
  /** The kernel's keepalive values, `tcp_retries2` and the namespace. */
  kernel: KernelFacts;
}

/** The mechanisms by the names reports use. */
export type MechanismId = "rto" | "keepalive" | "heartbeat";

/** A mechanism with its name and a label for tables. */
export interface NamedMechanism {
  /** Its name. */
  id: MechanismId;
  /** A label with its settings, for tables. */
  label: string;
  /** The mechanism, for `detection/`. */
  mechanism: Mechanism;
}

/**
 * The keepalive values in effect: the runtime ones, or the kernel defaults
 * when they could not be read.
 *
 * @param kernel The kernel's facts.
 * @returns The settings.
 *
 * @example
 * ```ts
 * import { keepaliveOf } from "./_mechanisms.ts";
 * console.log(keepaliveOf({ retries2: 15, retries2Read: true, namespace: {} })); // { time: 7200, intvl: 75, probes: 9 }
 * ```
 */
export function keepaliveOf(kernel: KernelFacts): KeepaliveSettings {
  return kernel.runtime ?? { ...KERNEL_DEFAULTS };
}

/**
 * The interval the client pings at: the one given, else the server's.
 *
 * @param input The diagnosis input.
 * @returns Milliseconds, or `undefined` without a heartbeat.
 *
 * @example
 * ```ts
 * import { pingIntervalOf } from "./_mechanisms.ts";
 * import { serverPolicy } from "./_policy.ts";
 * const kernel = { retries2: 15, retries2Read: true, namespace: {} };
 * const policy = serverPolicy(5000, 15000);
 * console.log(pingIntervalOf({ policy, roundTripMs: 1000, path: [], kernel })); // 5000
 * ```
 */
export function pingIntervalOf(input: DoctorInput): number | undefined {
  return input.policy === undefined
    ? undefined
    : input.clientIntervalMs ?? input.policy.intervalMs;
}

/**
 * The mechanisms watching the connection, in the order tables list them.
 *
 * @param input The diagnosis input.
 * @returns The mechanisms.
 *
 * @example
 * ```ts
 * import { mechanismsOf } from "./_mechanisms.ts";
 * const kernel = { retries2: 15, retries2Read: true, namespace: {} };
 * console.log(mechanismsOf({ roundTripMs: 1000, path: [], kernel }).map((m) => m.id)); // [ "rto", "keepalive" ]
 * ```
 */
export function mechanismsOf(input: DoctorInput): NamedMechanism[] {
  const k = keepaliveOf(input.kernel);
  const list: NamedMechanism[] = [
    {
      id: "rto",
      label: `retransmissions (tcp_retries2 ${input.kernel.retries2})`,
      mechanism: { kind: "rto", retries2: input.kernel.retries2 },
    },
    {
      id: "keepalive",
      label: `keepalive ${k.time}/${k.intvl}/${k.probes}`,
      mechanism: { kind: "keepalive", settings: k },
    },
  ];
  const policy = input.policy;
  const ping = pingIntervalOf(input);
  if (policy !== undefined && ping !== undefined) {
    list.push({
      id: "heartbeat",
      label: `heartbeat ${formatDuration(ping)}, timeout ${
        formatDuration(policy.timeoutMs)
      }`,
      mechanism: {
        kind: "heartbeat",
        intervalMs: ping,
        timeoutMs: policy.timeoutMs,
        tickMs: policy.tickMs,
      },
    });
  }
  return list;
}
