/**
 * The three TCP keepalive sysctls, their limits, validation and the
 * worst-case time they take to notice a dead peer.
 *
 * @module
 */

import { keepaliveRangeMs } from "../detection/keepalive.ts";
import type { KeepaliveSettings } from "../detection/types.ts";
import { z } from "zod";

// The detection model's type: what the manager reads is what it computes on.
export type { KeepaliveSettings };

/** One of the three settings, by its short name. */
export type KeepaliveField = keyof KeepaliveSettings;

/**
 * The short names in the order the kernel applies them.
 *
 * @example
 * ```ts
 * import { KEEPALIVE_FIELDS, KEEPALIVE_KEYS } from "@lifeline/lifeline/sysctl";
 * for (const field of KEEPALIVE_FIELDS) console.log(KEEPALIVE_KEYS[field]);
 * ```
 */
export const KEEPALIVE_FIELDS: readonly KeepaliveField[] = [
  "time",
  "intvl",
  "probes",
];

/**
 * The sysctl key of each setting, in dotted form.
 *
 * @example
 * ```ts
 * import { KEEPALIVE_KEYS } from "@lifeline/lifeline/sysctl";
 * console.log(KEEPALIVE_KEYS.intvl); // "net.ipv4.tcp_keepalive_intvl"
 * ```
 */
export const KEEPALIVE_KEYS: Readonly<Record<KeepaliveField, string>> = {
  time: "net.ipv4.tcp_keepalive_time",
  intvl: "net.ipv4.tcp_keepalive_intvl",
  probes: "net.ipv4.tcp_keepalive_probes",
};

/**
 * The kernel's defaults (`include/net/tcp.h`): 7200 s, 75 s, 9 probes.
 *
 * @example
 * ```ts
 * import { detectionSeconds, KERNEL_DEFAULTS } from "@lifeline/lifeline/sysctl";
 * console.log(detectionSeconds(KERNEL_DEFAULTS)); // 7875
 * ```
 */
export const KERNEL_DEFAULTS: Readonly<KeepaliveSettings> = {
  time: 7200,
  intvl: 75,
  probes: 9,
};

/**
 * The allowed range of each setting: the per-socket limits of
 * `include/net/tcp.h` (`MAX_TCP_KEEPIDLE`, `MAX_TCP_KEEPINTVL`,
 * `MAX_TCP_KEEPCNT`), stricter than the sysctl which takes any integer.
 *
 * @example
 * ```ts
 * import { KEEPALIVE_LIMITS } from "@lifeline/lifeline/sysctl";
 * console.log(KEEPALIVE_LIMITS.probes); // { min: 1, max: 127, unit: "probes" }
 * ```
 */
export const KEEPALIVE_LIMITS: Readonly<
  Record<KeepaliveField, { min: number; max: number; unit: string }>
> = {
  time: { min: 1, max: 32767, unit: "seconds" },
  intvl: { min: 1, max: 32767, unit: "seconds" },
  probes: { min: 1, max: 127, unit: "probes" },
};

function fieldSchema(field: KeepaliveField) {
  const { min, max, unit } = KEEPALIVE_LIMITS[field];
  const range = `${
    KEEPALIVE_KEYS[field]
  } must be an integer from ${min} to ${max} ${unit}`;
  return z.number({ error: range }).int({ error: range }).min(min, {
    error: range,
  }).max(max, { error: range });
}

const partialSchema = z.strictObject({
  time: fieldSchema("time").optional(),
  intvl: fieldSchema("intvl").optional(),
  probes: fieldSchema("probes").optional(),
});

/**
 * Finds the short name of a sysctl key given in dotted or slashed form.
 *
 * @param key A key such as `net.ipv4.tcp_keepalive_time` or `net/ipv4/tcp_keepalive_time`.
 * @returns The short name, or `undefined` for any other key.
 *
 * @example
 * ```ts
 * import { keepaliveFieldOf } from "@lifeline/lifeline/sysctl";
 * console.log(keepaliveFieldOf("net/ipv4/tcp_keepalive_intvl")); // "intvl"
 * ```
 */
export function keepaliveFieldOf(key: string): KeepaliveField | undefined {
  const dotted = key.replaceAll("/", ".");
  return KEEPALIVE_FIELDS.find((field) => KEEPALIVE_KEYS[field] === dotted);
}

/**
 * Validates desired keepalive values: time and intvl are integers from 1 to
 * 32767 seconds, probes an integer from 1 to 127. Fields left out stay
 * unmanaged.
 *
 * @param values The desired values; strings are parsed as decimal integers.
 * @returns The validated values as numbers.
 * @throws {RangeError} Naming the key, the bad value and the allowed range.
 *
 * @example
 * ```ts
 * import { validateKeepalive } from "@lifeline/lifeline/sysctl";
 * console.log(validateKeepalive({ time: "60", probes: 3 })); // { time: 60, probes: 3 }
 * try {
 *   validateKeepalive({ time: 0 });
 * } catch (error) {
 *   console.log((error as Error).message);
 * }
 * ```
 */
export function validateKeepalive(
  values: Partial<Record<KeepaliveField, number | string>>,
): Partial<KeepaliveSettings> {
  const numeric: Record<string, number> = {};
  for (const [field, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    const name = keepaliveFieldOf(`net.ipv4.tcp_keepalive_${field}`);
    if (name === undefined) {
      throw new TypeError(`Unknown keepalive setting "${field}"`);
    }
    const number = typeof raw === "string"
      ? (/^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN)
      : raw;
    const result = fieldSchema(name).safeParse(number);
    if (!result.success) {
      const { min, max, unit } = KEEPALIVE_LIMITS[name];
      throw new RangeError(
        `Invalid ${
          KEEPALIVE_KEYS[name]
        } "${raw}": expected an integer from ${min} to ${max} ${unit}`,
      );
    }
    numeric[name] = result.data;
  }
  return partialSchema.parse(numeric);
}

/**
 * Computes the worst-case seconds before the kernel notices a dead peer on an
 * idle connection: `max(time, intvl) + probes × intvl` (the familiar
 * `time + probes × intvl` when `time ≥ intvl`: after a probe the timer is
 * re-armed for `intvl`, so an idle connection is probed every
 * `max(time, intvl)`; see `keepaliveRangeMs` in
 * `@lifeline/lifeline/detection`, which the lab checks).
 *
 * @param settings The three settings.
 * @returns The detection time in seconds.
 *
 * @example The kernel defaults take 2 h 11 min 15 s
 * ```ts
 * import { detectionSeconds, KERNEL_DEFAULTS } from "@lifeline/lifeline/sysctl";
 * console.log(detectionSeconds(KERNEL_DEFAULTS)); // 7875
 * ```
 */
export function detectionSeconds(settings: KeepaliveSettings): number {
  return keepaliveRangeMs(settings).maxMs / 1000;
}
