/**
 * Reading a JWT's expiry without verifying it and without a JOSE library:
 * what a client needs to schedule its refresh.
 *
 * @module
 */

/**
 * The expiry a token claims, read without verifying it.
 *
 * @param token A JWT.
 * @returns `exp` in epoch milliseconds, or `undefined` when the token has
 * none or is not a JWT.
 *
 * @example
 * ```ts
 * import { tokenExpiry } from "@lifeline/lifeline/auth";
 * const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "");
 * const token = `${part({ alg: "HS256" })}.${part({ sub: "A", exp: 60 })}.sig`;
 * console.log(tokenExpiry(token)); // 60000
 * ```
 */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(
      atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")),
    );
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp)
      ? exp * 1000
      : undefined;
  } catch {
    return undefined;
  }
}
