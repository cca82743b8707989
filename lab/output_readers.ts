/**
 * What the lab recognises in the output of the programs it starts: JSON
 * objects only, by their `event` field. Lifeline's server runs with
 * `--log-format json` (see `docs/server.md`), its client with `--json`, and
 * the probes print JSON lines of their own; the wording of a line meant for
 * people is never read, so it may change freely.
 *
 * @example Read a line of the server's JSON log
 * ```ts
 * import { LIFELINE_SERVER } from "./output_readers.ts";
 * const json = { time: "2026-01-01T00:00:00.000Z", event: "timeout", id: "1" };
 * console.log(LIFELINE_SERVER.gone({ at: 0, stream: "stdout", text: "", json }));
 * // "heartbeat timeout"
 * ```
 *
 * @module
 */

import type { OutputLine } from "./ns_process.ts";

/** How the lab reads one end's output lines. */
export interface EndReader {
  /** Whether the line says this end has an established connection. */
  connected(line: OutputLine): boolean;
  /** How this end noticed its peer was gone, when the line says so, else null. */
  gone(line: OutputLine): string | null;
}

function event(line: OutputLine): unknown {
  return line.json?.event;
}

/**
 * Whether a line says a server listens: the `listening` event of Lifeline's
 * JSON log and of the probes alike.
 *
 * @param line The line.
 * @returns `true` for a `listening` event.
 *
 * @example
 * ```ts
 * import { isListening } from "./output_readers.ts";
 * const line = { at: 0, stream: "stdout" as const, text: "", json: { event: "listening" } };
 * console.log(isListening(line)); // true
 * ```
 */
export function isListening(line: OutputLine): boolean {
  return event(line) === "listening";
}

/**
 * Lifeline's server log (`--log-format json`): a `connect` event, and a
 * `timeout` (or a `disconnect` with its reason) when a client is gone.
 */
export const LIFELINE_SERVER: EndReader = {
  connected: (line) => event(line) === "connect",
  gone(line) {
    if (event(line) === "timeout") return "heartbeat timeout";
    if (event(line) !== "disconnect") return null;
    const reason = String(line.json?.reason ?? "disconnect");
    return reason === "timeout" ? "heartbeat timeout" : reason;
  },
};

/**
 * Lifeline's client (`--json`): `welcome` once connected, `dead` or
 * `disconnect` when the server is gone.
 */
export const LIFELINE_CLIENT: EndReader = {
  connected: (line) => event(line) === "welcome",
  gone(line) {
    if (event(line) === "dead") return "heartbeat timeout";
    if (event(line) !== "disconnect") return null;
    return String(line.json?.reason ?? "disconnect");
  },
};

/** The lab's probes: `connected`, and `closed` with how it was noticed. */
export const PROBE: EndReader = {
  connected: (line) => event(line) === "connected",
  gone: (line) => event(line) === "closed" ? String(line.json?.how) : null,
};
