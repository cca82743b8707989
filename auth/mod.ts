/**
 * Authentication of names: the `Authenticator` interface the server asks
 * for every `hello` and `refresh` when authentication is on, a JWT
 * authenticator with `jose` (the token's `sub` is the name, `exp` and `nbf`
 * honoured; HMAC secret, PEM public key or certificate, or JWKS), and the
 * minting of tokens (`deno task token`). See `docs/security.md`.
 *
 * @example Mint a token and check it
 * ```ts
 * import { jwtAuthenticator, mintToken, parseAuthKey } from "@lifeline/lifeline/auth";
 * const key = parseAuthKey("a-secret-of-at-least-32-bytes-long!!");
 * const token = await mintToken(key, { name: "A", ttlMs: 3_600_000 });
 * console.log((await jwtAuthenticator(key).verify("A", token)).ok); // true
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./jwt.ts";
export * from "./token_expiry.ts";
