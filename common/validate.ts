/**
 * Checks of numeric options, shared by the server, the client and the
 * liveness policies, so that every bad value gets the same kind of message:
 * `Cannot use timeout "0": expected a positive number`. Not part of the
 * package's API.
 *
 * @module
 */

/**
 * Returns `value` when it is a number above 0 (`Infinity` only when
 * `allowInfinity`), else throws.
 *
 * @param name The option's name, for the message.
 * @param value The value.
 * @param allowInfinity Whether `Infinity` means "no limit" here.
 * @returns The value.
 * @throws {RangeError} When it is not.
 *
 * @example
 * ```ts
 * import { positive } from "./validate.ts";
 * console.log(positive("timeout", 1500)); // 1500
 * ```
 */
export function positive(
  name: string,
  value: number,
  allowInfinity = false,
): number {
  if (
    typeof value !== "number" || !(value > 0) ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    throw new RangeError(
      `Cannot use ${name} "${value}": expected a positive number`,
    );
  }
  return value;
}

/**
 * Returns `value` when it is a finite number of at least 0, else throws.
 *
 * @param name The option's name, for the message.
 * @param value The value.
 * @returns The value.
 * @throws {RangeError} When it is not.
 *
 * @example
 * ```ts
 * import { nonNegative } from "./validate.ts";
 * console.log(nonNegative("closeGrace", 0)); // 0
 * ```
 */
export function nonNegative(name: string, value: number): number {
  if (
    typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)
  ) {
    throw new RangeError(
      `Cannot use ${name} "${value}": expected a number of at least 0`,
    );
  }
  return value;
}

/**
 * Returns `value` when it is an integer of at least `min`, else throws.
 *
 * @param name The option's name, for the message.
 * @param value The value.
 * @param min The smallest value accepted.
 * @returns The value.
 * @throws {RangeError} When it is not.
 *
 * @example
 * ```ts
 * import { integerAtLeast } from "./validate.ts";
 * console.log(integerAtLeast("maxQueue", 0, 0)); // 0
 * ```
 */
export function integerAtLeast(
  name: string,
  value: number,
  min: number,
): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot use ${name} "${value}": expected an integer of at least ${min}`,
    );
  }
  return value;
}
