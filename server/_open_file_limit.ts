/**
 * The process's open-file limit (the soft `RLIMIT_NOFILE`), read from
 * `/proc/self/limits`.
 *
 * @module
 */

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
