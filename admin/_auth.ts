/**
 * The admin endpoint's optional bearer token: `Authorization: Bearer
 * <token>`, compared in constant time.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";

/** Checks requests against one token. */
export class BearerToken {
  readonly #digest: Uint8Array;

  /**
   * Keeps a digest of the token.
   *
   * @param token The token.
   * @throws {RangeError} For a token shorter than 16 characters.
   */
  constructor(token: string) {
    if (token.length < 16) {
      throw new RangeError(
        `Cannot use an admin token of ${token.length} characters: expected at least 16`,
      );
    }
    this.#digest = digest(token);
  }

  /**
   * Tells whether a request carries the token.
   *
   * @param request The request.
   * @returns `true` when its `Authorization` header is `Bearer <token>`.
   */
  allows(request: Request): boolean {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) return false;
    // Digests of equal length: the comparison takes the same time whatever
    // the guess, and says nothing about the token's length.
    return timingSafeEqual(digest(match[1]), this.#digest);
  }
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}
