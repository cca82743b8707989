/**
 * Turning anything thrown into a short message for an event or a log line.
 * Not part of the package's API.
 *
 * @module
 */

/**
 * Formats an error for an event or a log line.
 *
 * @param error Anything thrown.
 * @returns A short message.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./errors.ts";
 * console.log(errorMessage(new RangeError("too big")), errorMessage(42)); // "too big" "42"
 * ```
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
