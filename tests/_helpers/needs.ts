/**
 * Tests that need something this machine may lack (root, a namespace, a
 * program): they skip where it is missing and say why, except under
 * `CI=true`, where they must run (and fail if it is missing).
 *
 * @module
 */

/** Whether this run is CI's (`CI=true`), where no test may skip. */
export const IN_CI: boolean = Deno.env.get("CI") === "true";

/** Whether the tests run as root. */
export const IS_ROOT: boolean = Deno.uid() === 0;

/**
 * Decides whether tests that need something are ignored: only when it is
 * missing and this is not CI. Prints why when they are.
 *
 * @param what What the tests need, for the message ("root", "redis-server").
 * @param available Whether it is here.
 * @param file The test file's name, for the message.
 * @returns The value for `Deno.test`'s `ignore`.
 */
export function ignoreUnless(
  what: string,
  available: boolean,
  file: string,
): boolean {
  if (available || IN_CI) return false;
  console.log(`${file}: skipped, needs ${what}; CI=true runs it`);
  return true;
}

/**
 * Whether a program is on the PATH.
 *
 * @param program Its name.
 * @returns `true` when `command -v` finds it.
 */
export function hasProgram(program: string): boolean {
  try {
    const out = new Deno.Command("sh", {
      args: ["-c", `command -v ${program}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success;
  } catch {
    return false;
  }
}
