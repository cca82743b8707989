/**
 * Durations with units, as the command lines take them: `250ms`, `5s`, `1m`.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Parses a duration with a unit (`ms`, `s`, `m` or `h`) into milliseconds.
 * Compound forms such as `1m30s` are accepted too.
 *
 * @param text The duration, for example `"250ms"`, `"5s"`, `"1m30s"`.
 * @returns The duration in whole milliseconds.
 * @throws {SyntaxError} When the text is not a number followed by a unit.
 *
 * @example Parse durations
 * ```ts
 * import { parseDuration } from "@lifeline/lifeline";
 * console.log(parseDuration("250ms")); // 250
 * console.log(parseDuration("1m30s")); // 90000
 * ```
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const parts = trimmed.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g);
  if (parts === null || parts.join("") !== trimmed) {
    throw new SyntaxError(
      `Cannot parse duration "${text}": expected a number with a unit such as "5s", "250ms" or "1m"`,
    );
  }
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = DURATION.exec(part)!;
    total += Number(amount) * UNITS[unit];
  }
  return Math.round(total);
}

/**
 * Formats milliseconds for people: `2h 11min`, `4min 30s`, `1.5s`, `250ms`.
 *
 * @param ms A duration in milliseconds.
 * @returns The duration in the largest units that keep it short.
 *
 * @example Format the default keepalive detection time
 * ```ts
 * import { formatDuration } from "@lifeline/lifeline";
 * console.log(formatDuration((7200 + 9 * 75) * 1000)); // "2h 11min 15s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  }
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts: string[] = [];
  if (h > 0) parts.push(`${h}h`);
  if (m > 0) parts.push(`${m}min`);
  if (s > 0) parts.push(`${s}s`);
  return parts.join(" ");
}
