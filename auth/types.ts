/**
 * What the server asks of an authenticator: is this token proof of this
 * name, and until when?
 *
 * @module
 */

/** The answer to a token. */
export type AuthVerdict =
  | {
    /** The token proves the name. */
    ok: true;
    /** When the proof expires, in epoch milliseconds; `undefined`: never. */
    expiresAt?: number;
  }
  | {
    /** The token does not prove the name. */
    ok: false;
    /** Why, in a few words for the client (no secret in it). */
    reason: string;
  };

/**
 * Decides whether a token proves a name. The server calls it for every
 * `hello` and `refresh` when authentication is on; it must not throw (a
 * rejection counts as a refusal).
 *
 * @example An authenticator that accepts one fixed token per name
 * ```ts
 * import type { Authenticator } from "@lifeline/lifeline/auth";
 * const tokens = new Map([["A", "secret-of-A"]]);
 * const fixed: Authenticator = {
 *   verify(name, token) {
 *     return Promise.resolve(
 *       tokens.get(name) === token
 *         ? { ok: true }
 *         : { ok: false, reason: "unknown token" },
 *     );
 *   },
 * };
 * console.log((await fixed.verify("A", "secret-of-A")).ok); // true
 * ```
 */
export interface Authenticator {
  /**
   * Checks a token.
   *
   * @param name The name the client asks for.
   * @param token The token it presents.
   * @returns The verdict.
   */
  verify(name: string, token: string): Promise<AuthVerdict>;
}
