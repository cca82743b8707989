/**
 * How many connections fit in the process's open-file limit (the soft
 * `RLIMIT_NOFILE`, read from `/proc/self/limits`), so that a crowd of
 * clients is refused in words instead of running the process out of
 * descriptors.
 *
 * @module
 */

/** Open files kept back from clients for the runtime itself (stdio, the
 * listener, its event loop, files it opens). */
export const RESERVED_OPEN_FILES = 64;

/**
 * The soft limit on open files; `Infinity` where it is unlimited or cannot
 * be read (not Linux, no read permission).
 *
 * @param read Returns the text of `/proc/self/limits` (for tests).
 * @returns The limit.
 *
 * @example
 * ```ts
 * import { openFileLimit } from "./_open_file_limit.ts";
 * const text = "Max open files            1024                 524288               files";
 * console.log(openFileLimit(() => text)); // 1024
 * ```
 */
export function openFileLimit(
  read: () => string = () => Deno.readTextFileSync("/proc/self/limits"),
): number {
  let text: string;
  try {
    text = read();
  } catch {
    return Infinity;
  }
  const match = /^Max open files\s+(\S+)/m.exec(text);
  const limit = Number(match?.[1]);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : Infinity;
}

/**
 * The connections that fit: the open-file limit less
 * {@link RESERVED_OPEN_FILES}, at least 1; `Infinity` without a limit.
 *
 * @param limit The open-file limit; read from `/proc/self/limits` when
 * left out.
 * @returns The most connections to serve at once.
 *
 * @example
 * ```ts
 * import { connectionsThatFit } from "./_open_file_limit.ts";
 * console.log(connectionsThatFit(1024)); // 960
 * ```
 */
export function connectionsThatFit(limit: number = openFileLimit()): number {
  return limit === Infinity
    ? Infinity
    : Math.max(1, limit - RESERVED_OPEN_FILES);
}
