/**
 * JWT authentication with `jose` (a well-kept, dependency-free JOSE
 * library on WebCrypto): the token's `sub` is the name, `exp` and `nbf` are
 * honoured. The key is an HMAC secret, a PEM public key or certificate, or
 * a JWKS document; for minting, an HMAC secret or a PEM private key.
 *
 * @module
 */

import * as jose from "jose";
import type { Authenticator, AuthVerdict } from "./types.ts";

/** Algorithms accepted for each kind of key (never `none`). */
const HMAC_ALGS = ["HS256", "HS384", "HS512"];
const ASYMMETRIC_ALGS = [
  "EdDSA",
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
];

/** The shortest HMAC secret accepted, in bytes (HS256's key size). */
export const MIN_SECRET_BYTES = 32;

/** A key to verify or mint tokens with, as read from a file. */
export type AuthKey =
  | {
    /** An HMAC secret. */
    kind: "secret";
    /** Its bytes. */
    secret: Uint8Array;
  }
  | {
    /** A PEM public key (SPKI) or X.509 certificate. */
    kind: "public";
    /** The PEM text. */
    pem: string;
  }
  | {
    /** A PEM private key (PKCS #8), for minting. */
    kind: "private";
    /** The PEM text. */
    pem: string;
  }
  | {
    /** A JSON Web Key Set, for verifying. */
    kind: "jwks";
    /** The set: `{ keys: [...] }` of JSON Web Keys. */
    jwks: { keys: Record<string, unknown>[] };
  };

/**
 * Reads a key from the text of a key file: a JWKS document (JSON with
 * `keys`), a PEM public key, certificate or private key, or else an HMAC
 * secret (the file's bytes, less a final line end).
 *
 * @param text The file's text.
 * @returns The key.
 * @throws {RangeError} For a secret shorter than {@link MIN_SECRET_BYTES}.
 * @throws {SyntaxError} For a JSON file that is not a JWKS.
 *
 * @example
 * ```ts
 * import { parseAuthKey } from "@lifeline/lifeline/auth";
 * console.log(parseAuthKey("a".repeat(32)).kind); // "secret"
 * ```
 */
export function parseAuthKey(text: string): AuthKey {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new SyntaxError("Cannot read the key file: invalid JSON");
    }
    if (!Array.isArray((value as { keys?: unknown }).keys)) {
      throw new SyntaxError(
        'Cannot read the key file: expected a JWKS document with "keys"',
      );
    }
    return { kind: "jwks", jwks: value as { keys: Record<string, unknown>[] } };
  }
  if (
    /-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/.test(trimmed)
  ) {
    return { kind: "public", pem: trimmed };
  }
  if (/-----BEGIN PRIVATE KEY-----/.test(trimmed)) {
    return { kind: "private", pem: trimmed };
  }
  if (/-----BEGIN [A-Z ]+-----/.test(trimmed)) {
    throw new SyntaxError(
      "Cannot read the key file: expected a PEM public key, certificate or PKCS #8 private key",
    );
  }
  const secret = new TextEncoder().encode(text.replace(/\r?\n$/, ""));
  if (secret.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `Cannot use an HMAC secret of ${secret.length} bytes: expected at least ${MIN_SECRET_BYTES}`,
    );
  }
  return { kind: "secret", secret };
}

/**
 * Reads a key file (see {@link parseAuthKey}).
 *
 * @param path The file.
 * @returns The key.
 */
export async function loadAuthKey(path: string): Promise<AuthKey> {
  return parseAuthKey(await Deno.readTextFile(path));
}

/** Options of {@link jwtAuthenticator}. */
export interface JwtAuthenticatorOptions {
  /**
   * Clock skew tolerated on `exp` and `nbf`, in seconds.
   * @default {5}
   */
  clockToleranceSec?: number;
  /**
   * The required `aud`, if any.
   * @default {undefined}
   */
  audience?: string;
  /**
   * The required `iss`, if any.
   * @default {undefined}
   */
  issuer?: string;
}

type KeyResolver = (
  header: jose.JWTHeaderParameters,
) => Promise<jose.CryptoKey | Uint8Array | jose.KeyObject>;

function resolver(
  key: AuthKey,
): { resolve: KeyResolver; algorithms: string[] } {
  switch (key.kind) {
    case "secret":
      return {
        resolve: () => Promise.resolve(key.secret),
        algorithms: HMAC_ALGS,
      };
    case "jwks": {
      const set = jose.createLocalJWKSet(key.jwks as jose.JSONWebKeySet);
      return {
        resolve: (header) => set(header) as Promise<jose.CryptoKey>,
        algorithms: ASYMMETRIC_ALGS,
      };
    }
    case "public": {
      const cache = new Map<string, Promise<jose.CryptoKey>>();
      const isCert = key.pem.includes("CERTIFICATE");
      return {
        resolve: (header) => {
          let found = cache.get(header.alg);
          if (found === undefined) {
            found = isCert
              ? jose.importX509(key.pem, header.alg)
              : jose.importSPKI(key.pem, header.alg);
            cache.set(header.alg, found);
          }
          return found;
        },
        algorithms: ASYMMETRIC_ALGS,
      };
    }
    case "private":
      throw new TypeError(
        "Cannot verify tokens with a private key: give the server the public key, the certificate or a JWKS",
      );
  }
}

/**
 * An {@link Authenticator} for JWTs: a token proves a name when its
 * signature checks with the key, its `sub` is the name, and it is within
 * `nbf` and `exp` (with a little clock skew tolerated).
 *
 * @param key The key (see {@link parseAuthKey}).
 * @param options Clock skew, audience, issuer.
 * @returns The authenticator.
 *
 * @example Verify a token minted with the same secret
 * ```ts
 * import { jwtAuthenticator, mintToken, parseAuthKey } from "@lifeline/lifeline/auth";
 * const key = parseAuthKey("0123456789abcdef0123456789abcdef");
 * const token = await mintToken(key, { name: "A", ttlMs: 60_000 });
 * const auth = jwtAuthenticator(key);
 * console.log((await auth.verify("A", token)).ok, (await auth.verify("B", token)).ok); // true false
 * ```
 */
export function jwtAuthenticator(
  key: AuthKey,
  options: JwtAuthenticatorOptions = {},
): Authenticator {
  const { resolve, algorithms } = resolver(key);
  const verifyOptions: jose.JWTVerifyOptions = {
    algorithms,
    clockTolerance: options.clockToleranceSec ?? 5,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
  };
  return {
    async verify(name: string, token: string): Promise<AuthVerdict> {
      let payload: jose.JWTPayload;
      try {
        ({ payload } = await jose.jwtVerify(token, resolve, verifyOptions));
      } catch (error) {
        return { ok: false, reason: refusal(error) };
      }
      if (payload.sub !== name) {
        return { ok: false, reason: "the token is for another name" };
      }
      return payload.exp === undefined
        ? { ok: true }
        : { ok: true, expiresAt: payload.exp * 1000 };
    },
  };
}

/** Why jose refused a token, without echoing the token. */
function refusal(error: unknown): string {
  if (error instanceof jose.errors.JWTExpired) return "the token has expired";
  if (error instanceof jose.errors.JWTClaimValidationFailed) {
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof jose.errors.JWSSignatureVerificationFailed) {
    return "the token's signature does not verify";
  }
  if (error instanceof jose.errors.JOSEAlgNotAllowed) {
    return "the token's algorithm is not allowed for this key";
  }
  return "the token is not a valid JWT";
}

/** Options of {@link mintToken}. */
export interface MintOptions {
  /** The name the token proves (its `sub`). */
  name: string;
  /** How long it is valid, in milliseconds. */
  ttlMs: number;
  /**
   * The time it is minted at, in epoch milliseconds.
   * @default {Date.now()}
   */
  now?: number;
}

/**
 * Mints a token for a name: HS256 with a secret, or the private key's own
 * algorithm (EdDSA, ES256/384/512, RS256).
 *
 * @param key A secret or a private key.
 * @param options The name, the lifetime and the time.
 * @returns The JWT.
 *
 * @example
 * ```ts
 * import { mintToken, parseAuthKey } from "@lifeline/lifeline/auth";
 * const token = await mintToken(parseAuthKey("k".repeat(32)), { name: "A", ttlMs: 3_600_000 });
 * console.log(token.split(".").length); // 3
 * ```
 */
export async function mintToken(
  key: AuthKey,
  options: MintOptions,
): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const exp = now + Math.max(1, Math.round(options.ttlMs / 1000));
  const jwt = new jose.SignJWT({}).setSubject(options.name).setIssuedAt(now)
    .setExpirationTime(exp);
  if (key.kind === "secret") {
    return await jwt.setProtectedHeader({ alg: "HS256" }).sign(key.secret);
  }
  if (key.kind !== "private") {
    throw new TypeError(
      "Cannot mint tokens with a public key: give the HMAC secret or the private key",
    );
  }
  for (const alg of ["EdDSA", "ES256", "ES384", "ES512", "RS256"]) {
    let privateKey: jose.CryptoKey;
    try {
      privateKey = await jose.importPKCS8(key.pem, alg);
    } catch {
      continue;
    }
    return await jwt.setProtectedHeader({ alg }).sign(privateKey);
  }
  throw new TypeError(
    "Cannot mint tokens with this private key: expected an Ed25519, EC (P-256/384/521) or RSA key",
  );
}
