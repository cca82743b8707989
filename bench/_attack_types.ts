/**
 * What every attack of the attack benchmark shares: the context an attack
 * runs in (the attacker's side, `bench/_attacker.ts`), and the outcome it
 * reports, a flat record of measured figures that `bench/_attack_list.ts`
 * turns into a sentence for the table.
 *
 * @module
 */

/** Where and how long an attack runs. */
export interface AttackContext {
  /** The server's address. */
  hostname: string;
  /** The server's port. */
  port: number;
  /** How long the attack may last, in milliseconds. */
  durationMs: number;
  /** The most bytes one attacking connection may send. */
  maxBytes: number;
  /** The body of each message a flooding attack sends, in bytes. */
  messageBytes: number;
  /**
   * A valid token for a name, when the server checks tokens (`--auth jwt`);
   * the attack decides who gets one.
   */
  token?: (name: string) => Promise<string>;
}

/** One measured figure: a count, a time, a size, a flag, or text. */
export type Figure = number | string | boolean | null;

/** What an attack measured, figure by figure (JSON-friendly). */
export type Outcome = Record<string, Figure>;

/** An attack, as the attacker process runs it. */
export type Attack = (context: AttackContext) => Promise<Outcome>;

/** Bytes in a mebibyte. */
export const MiB = 1024 * 1024;

/**
 * The `hello` frame an attacking or victim connection sends: with a token
 * when it is given one.
 *
 * @param name The name.
 * @param token The token, if any.
 * @returns The frame.
 *
 * @example
 * ```ts
 * import { helloFrame } from "./_attack_types.ts";
 * console.log(helloFrame("A")); // { type: "hello", name: "A" }
 * ```
 */
export function helloFrame(
  name: string,
  token?: string,
): Record<string, string> {
  return token === undefined
    ? { type: "hello", name }
    : { type: "hello", name, token };
}
