/**
 * Proposes keepalive settings that notice a dead peer within a time budget.
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import {
  detectionSeconds,
  KEEPALIVE_LIMITS,
  type KeepaliveSettings,
} from "./keepalive.ts";
import { NAT_IDLE_SECONDS } from "./warnings.ts";

/** Options of {@linkcode planKeepalive}. */
export interface PlanOptions {
  /**
   * The number of probes to use; the plan then only chooses time and intvl.
   *
   * @default {3, or fewer when the budget is tiny}
   */
  probes?: number;
}

/** A proposal: the settings, their worst case and the trade-off in one line. */
export interface KeepalivePlan {
  /** The proposed settings. */
  settings: KeepaliveSettings;
  /** `max(time, intvl) + probes × intvl`, in seconds; never above the budget. */
  detectionSeconds: number;
  /** One line that explains the trade-off. */
  explanation: string;
}

/**
 * The probe count used when none is given: tolerates two lost probes.
 *
 * @example
 * ```ts
 * import { DEFAULT_PLAN_PROBES, planKeepalive } from "@lifeline/lifeline/sysctl";
 * console.log(planKeepalive(600).settings.probes === DEFAULT_PLAN_PROBES); // true
 * ```
 */
export const DEFAULT_PLAN_PROBES = 3;

/**
 * Proposes time, intvl and probes whose worst case `time + probes × intvl`
 * fits the budget. Half the budget goes to the idle time (so an idle
 * connection costs one probe per `time`), the other half to the probes, but
 * the idle time never exceeds {@link NAT_IDLE_SECONDS}: a longer idle
 * lets a carrier NAT drop the mapping before the first probe, so a bigger
 * budget goes to longer probe intervals instead.
 *
 * @param budgetSeconds The longest acceptable time to notice a dead peer, in whole seconds.
 * @param options The probe count, if it is fixed.
 * @returns The proposed settings with their worst case and the trade-off.
 * @throws {RangeError} When the budget cannot fit one probe (under 2 s, or
 * under `probes + 1` seconds with fixed probes) or the probes are out of range.
 *
 * @example Notice a dead peer within two minutes
 * ```ts
 * import { planKeepalive } from "@lifeline/lifeline/sysctl";
 * const plan = planKeepalive(120);
 * console.log(plan.settings); // { time: 60, intvl: 20, probes: 3 }
 * ```
 */
export function planKeepalive(
  budgetSeconds: number,
  options: PlanOptions = {},
): KeepalivePlan {
  const budget = Math.floor(budgetSeconds);
  if (!Number.isFinite(budget) || budget < 2) {
    throw new RangeError(
      `Cannot plan for a detection time of "${budgetSeconds}s": at least 2 seconds are needed (1 s idle, one probe 1 s later)`,
    );
  }
  const { min, max } = KEEPALIVE_LIMITS.probes;
  if (
    options.probes !== undefined &&
    (!Number.isInteger(options.probes) || options.probes < min ||
      options.probes > max)
  ) {
    throw new RangeError(
      `Invalid net.ipv4.tcp_keepalive_probes "${options.probes}": expected an integer from ${min} to ${max} probes`,
    );
  }
  let probes = options.probes ?? Math.min(DEFAULT_PLAN_PROBES, budget - 1);
  if (budget < probes + 1) {
    throw new RangeError(
      `Cannot fit ${probes} probes in "${budget}s": the budget must be at least ${
        probes + 1
      } seconds, or use fewer probes`,
    );
  }
  const maxTime = KEEPALIVE_LIMITS.time.max;
  const maxIntvl = KEEPALIVE_LIMITS.intvl.max;
  const idleCap = Math.min(maxTime, NAT_IDLE_SECONDS);
  let time = Math.min(idleCap, Math.max(1, Math.round(budget / 2)));
  let intvl = Math.min(
    maxIntvl,
    Math.max(1, Math.floor((budget - time) / probes)),
  );
  // After an answered probe the kernel waits `intvl` before it looks again,
  // so an idle connection is probed every max(time, intvl): probes further
  // apart than the idle time would let a NAT forget the connection. A large
  // budget goes to more probes instead, as far as the kernel allows.
  let capped = false;
  if (intvl > time) {
    intvl = time;
    if (options.probes === undefined) {
      const fit = Math.floor((budget - time) / intvl);
      probes = Math.min(KEEPALIVE_LIMITS.probes.max, Math.max(probes, fit));
      capped = fit > KEEPALIVE_LIMITS.probes.max;
    }
  }
  // Give the rounding slack back to the idle time.
  time = Math.min(idleCap, Math.max(1, budget - probes * intvl));
  const settings = { time, intvl, probes };
  const worst = detectionSeconds(settings);
  const explanation = `Probing starts after ${time}s idle, then ${probes} ${
    probes === 1 ? "probe" : "probes"
  } ${intvl}s apart: a dead peer is noticed within ${
    formatDuration(worst * 1000)
  }; ${
    probes === 1
      ? "a single lost probe drops a live connection"
      : `${probes - 1} lost ${
        probes === 2 ? "probe is" : "probes in a row are"
      } tolerated`
  }, and each idle connection sends a probe every ${time}s (shorter means quicker detection but more traffic).${
    capped
      ? ` That is the slowest NAT-safe plan: ${KEEPALIVE_LIMITS.probes.max} probes ${time}s apart; a longer budget would need probes further apart than a NAT's idle timeout.`
      : ""
  }`;
  return { settings, detectionSeconds: worst, explanation };
}
