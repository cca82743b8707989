/**
 * Stops the child processes the harness starts without waiting forever.
 *
 * @module
 */

/**
 * Waits for a child process to exit, killing it with SIGKILL when it is
 * still running after `graceMs`.
 *
 * @param child The process, already asked to stop.
 * @param graceMs How long it may take.
 * @returns Its exit status.
 *
 * @example
 * ```ts
 * import { exitWithin } from "./_child.ts";
 * const child = new Deno.Command("sleep", { args: ["10"] }).spawn();
 * console.log((await exitWithin(child, 100)).signal); // "SIGKILL"
 * ```
 */
export async function exitWithin(
  child: Deno.ChildProcess,
  graceMs: number,
): Promise<Deno.CommandStatus> {
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
  }, graceMs);
  try {
    return await child.status;
  } finally {
    clearTimeout(killer);
  }
}
