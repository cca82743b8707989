/**
 * How the harness recognises, in a server's log, that it dropped a client
 * for silence. Lifeline's server runs with `--log-format json` and is read
 * by its `timeout` event only (see `docs/server.md`), so the wording of its
 * text log cannot matter; the baselines print `timeout <name>` lines of
 * their own.
 *
 * @module
 */

/** Decides whether one log line reports a client dropped for silence. */
export type TimeoutLine = (line: string) => boolean;

/**
 * Whether a line of Lifeline's JSON log is a `timeout` event.
 *
 * @param line One line of `server/main.ts --log-format json`.
 * @returns `true` for a `timeout` event.
 *
 * @example
 * ```ts
 * import { isLifelineTimeout } from "./_server_log.ts";
 * console.log(isLifelineTimeout('{"time":"2026-01-01T00:00:00.000Z","event":"timeout","id":"1"}')); // true
 * console.log(isLifelineTimeout("2026-01-01T00:00:00.000Z timeout c1 from 127.0.0.1:5000")); // false
 * ```
 */
export function isLifelineTimeout(line: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    return JSON.parse(line).event === "timeout";
  } catch {
    return false;
  }
}

/**
 * Whether a line of a baseline's log (the Go server, the naive Deno
 * servers) reports a drop: `timeout <name>`.
 *
 * @param line One line of the baseline's stdout.
 * @returns `true` for a timeout line.
 *
 * @example
 * ```ts
 * import { isBaselineTimeout } from "./_server_log.ts";
 * console.log(isBaselineTimeout("timeout bench-7")); // true
 * ```
 */
export function isBaselineTimeout(line: string): boolean {
  return line.startsWith("timeout ");
}

/**
 * For the bare baselines, which keep no table and never drop a client.
 *
 * @returns `false`.
 *
 * @example
 * ```ts
 * import { neverTimeout } from "./_server_log.ts";
 * console.log(neverTimeout()); // false
 * ```
 */
export function neverTimeout(): boolean {
  return false;
}
