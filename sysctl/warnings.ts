/**
 * Warnings about keepalive values that are likely to hurt: idle times that
 * NAT outlives, slow detection, and network namespaces left on defaults.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import {
  detectionSeconds,
  KEEPALIVE_FIELDS,
  type KeepaliveSettings,
  KERNEL_DEFAULTS,
} from "./keepalive.ts";
import type { NamespaceInfo } from "./runtime.ts";

/**
 * Idle seconds after which carrier NATs often drop a mapping (5 minutes).
 *
 * @example
 * ```ts
 * import { keepaliveWarnings, NAT_IDLE_SECONDS } from "@lifeline/lifeline/sysctl";
 * const settings = { time: NAT_IDLE_SECONDS, intvl: 10, probes: 3 };
 * console.log(keepaliveWarnings(settings)); // [] (300 s is still NAT-safe)
 * ```
 */
export const NAT_IDLE_SECONDS = 300;

/**
 * Detection times above this many seconds (15 minutes) are warned about.
 *
 * @example
 * ```ts
 * import { detectionSeconds, SLOW_DETECTION_SECONDS } from "@lifeline/lifeline/sysctl";
 * const worst = detectionSeconds({ time: 300, intvl: 75, probes: 9 });
 * console.log(worst > SLOW_DETECTION_SECONDS); // true
 * ```
 */
export const SLOW_DETECTION_SECONDS = 900;

/** Options of {@linkcode keepaliveWarnings}. */
export interface WarningOptions {
  /**
   * Where the values come from, prefixed to each message (`runtime`,
   * `boot (systemd)`).
   *
   * @default {"values"}
   */
  where?: string;
  /**
   * The network namespace, when the values are the runtime ones: a
   * namespace other than the host's that still has the defaults is warned
   * about.
   *
   * @default {undefined}
   */
  namespace?: NamespaceInfo;
}

/**
 * Lists the warnings for a set of keepalive values: a time above 300 s (NAT
 * idle timeouts are often 5 minutes), a detection time above 15 minutes,
 * and a network namespace that is not the host's but still has the kernel
 * defaults (namespaces do not inherit the host's values).
 *
 * @param settings The values.
 * @param options Where they come from, and the namespace for runtime values.
 * @returns One sentence per warning; empty when all is well.
 *
 * @example
 * ```ts
 * import { keepaliveWarnings, KERNEL_DEFAULTS } from "@lifeline/lifeline/sysctl";
 * console.log(keepaliveWarnings(KERNEL_DEFAULTS, { where: "runtime" }).length); // 2
 * console.log(keepaliveWarnings({ time: 60, intvl: 10, probes: 3 })); // []
 * ```
 */
export function keepaliveWarnings(
  settings: KeepaliveSettings,
  options: WarningOptions = {},
): string[] {
  const where = options.where ?? "values";
  const warnings: string[] = [];
  if (settings.time > NAT_IDLE_SECONDS) {
    warnings.push(
      `${where}: net.ipv4.tcp_keepalive_time is ${settings.time}s, above ${NAT_IDLE_SECONDS}s: where connections cross NAT, the mapping is often dropped after 5 minutes idle (carrier NAT), before the first probe`,
    );
  } else if (settings.intvl > NAT_IDLE_SECONDS) {
    // After an answered probe the kernel waits intvl before the next one.
    warnings.push(
      `${where}: net.ipv4.tcp_keepalive_intvl is ${settings.intvl}s, above ${NAT_IDLE_SECONDS}s: an idle connection is probed only every ${settings.intvl}s (the longer of time and intvl), so where connections cross NAT the mapping is often dropped between probes`,
    );
  }
  const worst = detectionSeconds(settings);
  if (worst > SLOW_DETECTION_SECONDS) {
    warnings.push(
      `${where}: a dead peer takes up to ${
        formatDuration(worst * 1000)
      } to notice (${
        settings.intvl > settings.time
          ? `max(time, intvl) + probes × intvl = ${settings.intvl}`
          : `time + probes × intvl = ${settings.time}`
      } + ${settings.probes} × ${settings.intvl} = ${worst}s), more than 15 minutes`,
    );
  }
  if (options.namespace !== undefined) {
    const warning = namespaceWarning(settings, options.namespace, { where });
    if (warning !== undefined) warnings.push(warning);
  }
  return warnings;
}

/**
 * Warns when the runtime values of a network namespace that is not (or may
 * not be) the host's are still the kernel defaults: namespaces (containers)
 * do not inherit the host's values.
 *
 * @param runtime The values the kernel uses now in that namespace.
 * @param namespace The namespace, as `networkNamespace()` tells it.
 * @param options Where the values come from, prefixed to the message.
 * @returns The warning, or `undefined` when the namespace is the host's or
 * the values are not the defaults.
 *
 * @example
 * ```ts
 * import { KERNEL_DEFAULTS, namespaceWarning } from "@lifeline/lifeline/sysctl";
 * const container = { id: "net:[4026532000]", initial: false };
 * console.log(namespaceWarning(KERNEL_DEFAULTS, container) !== undefined); // true
 * console.log(namespaceWarning(KERNEL_DEFAULTS, { initial: true })); // undefined
 * ```
 */
export function namespaceWarning(
  runtime: KeepaliveSettings,
  namespace: NamespaceInfo,
  options: Pick<WarningOptions, "where"> = {},
): string | undefined {
  const where = options.where ?? "runtime";
  const onDefaults = KEEPALIVE_FIELDS.every((field) =>
    runtime[field] === KERNEL_DEFAULTS[field]
  );
  if (!onDefaults || namespace.initial === true) return undefined;
  const which = namespace.id ?? "this network namespace";
  return namespace.initial === false
    ? `${where}: network namespace ${which} is not the host's and still has the kernel defaults 7200/75/9: namespaces (containers) do not inherit the host's values, so set them inside it (apply --runtime-only) or through the container runtime`
    : `${where}: ${which} still has the kernel defaults 7200/75/9 and may not be the host's namespace: a container's namespace does not inherit the host's values, so set them inside it (apply --runtime-only) or through the container runtime`;
}
