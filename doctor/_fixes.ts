/**
 * Fixes as commands: durations written the way the command lines read
 * them, and keepalive values whose probes come before an idle timeout.
 * Internal to `doctor/`.
 *
 * @module
 */

import { probePeriodS } from "../detection/mod.ts";
import { type KeepalivePlan, planKeepalive } from "../sysctl/mod.ts";

/**
 * Writes milliseconds as a duration flag: `2m55s`, `1h`, `1500ms`.
 *
 * @param ms The duration.
 * @returns Text that `parseDuration` reads back as `ms`.
 *
 * @example
 * ```ts
 * import { flagDuration } from "./_fixes.ts";
 * console.log(flagDuration(175_000), flagDuration(3_600_000), flagDuration(1500)); // 2m55s 1h 1500ms
 * ```
 */
export function flagDuration(ms: number): string {
  const whole = Math.round(ms);
  if (whole % 1000 !== 0) return `${whole}ms`;
  const s = whole / 1000;
  const parts: string[] = [];
  if (s >= 3600) parts.push(`${Math.floor(s / 3600)}h`);
  if (s % 3600 >= 60) parts.push(`${Math.floor((s % 3600) / 60)}m`);
  if (s % 60 > 0 || parts.length === 0) parts.push(`${s % 60}s`);
  return parts.join("");
}

/**
 * The largest whole number of seconds below half of `ms` (at least 1 s):
 * an interval that leaves room for a late or retransmitted ping.
 *
 * @param ms An idle timeout or a limit, in milliseconds.
 * @returns Milliseconds.
 *
 * @example
 * ```ts
 * import { halfBelow } from "./_fixes.ts";
 * console.log(halfBelow(350_000), halfBelow(1500)); // 175000 1000
 * ```
 */
export function halfBelow(ms: number): number {
  return Math.max(1000, Math.floor(ms / 2000) * 1000);
}

/**
 * Plans keepalive values (with the sysctl manager's `plan`) whose probes
 * come more often than an idle timeout, for a detection budget of at most
 * `budgetMs`: the budget is lowered until `max(time, intvl)` fits.
 *
 * @param idleMs The shortest idle timeout the probes must beat.
 * @param budgetMs The longest detection time wanted.
 * @returns The plan and its budget, or `undefined` when no values fit
 * (an idle timeout of a second or less).
 *
 * @example Values for an AWS NLB (350 s)
 * ```ts
 * import { keepaliveWithin } from "./_fixes.ts";
 * const fit = keepaliveWithin(350_000, 900_000);
 * console.log(fit?.budgetS, fit?.plan.settings); // 350 { time: 176, intvl: 58, probes: 3 }
 * ```
 */
export function keepaliveWithin(
  idleMs: number,
  budgetMs: number,
): { budgetS: number; plan: KeepalivePlan } | undefined {
  const idleS = idleMs / 1000;
  for (
    let budgetS = Math.floor(Math.min(idleS, budgetMs / 1000));
    budgetS >= 2;
    budgetS--
  ) {
    const plan = planKeepalive(budgetS);
    if (probePeriodS(plan.settings) < idleS) return { budgetS, plan };
  }
  return undefined;
}
