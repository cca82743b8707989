import assert from "node:assert/strict";
import * as jose from "jose";
import {
  jwtAuthenticator,
  mintToken,
  parseAuthKey,
  tokenExpiry,
} from "../../auth/mod.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

Deno.test("parseAuthKey() tells a secret, a PEM public key, a private key and a JWKS apart", async () => {
  assert.equal(parseAuthKey(SECRET + "\n").kind, "secret");
  const { publicKey, privateKey } = await jose.generateKeyPair("EdDSA", {
    extractable: true,
  });
  assert.equal(parseAuthKey(await jose.exportSPKI(publicKey)).kind, "public");
  assert.equal(
    parseAuthKey(await jose.exportPKCS8(privateKey)).kind,
    "private",
  );
  const jwk = await jose.exportJWK(publicKey);
  assert.equal(parseAuthKey(JSON.stringify({ keys: [jwk] })).kind, "jwks");
  assert.throws(() => parseAuthKey("short"), /at least 32/);
  assert.throws(() => parseAuthKey('{"not":"a jwks"}'), /"keys"/);
  assert.throws(
    () => parseAuthKey("-----BEGIN RSA PRIVATE KEY-----\nx\n"),
    /PKCS #8/,
  );
});

Deno.test("a secret's token proves its name until it expires, and nothing else", async () => {
  const key = parseAuthKey(SECRET);
  const auth = jwtAuthenticator(key, { clockToleranceSec: 0 });
  const token = await mintToken(key, { name: "A", ttlMs: 60_000 });
  assert.equal((await auth.verify("A", token)).ok, true);
  const expiry = tokenExpiry(token)!;
  assert.ok(Math.abs(expiry - (Date.now() + 60_000)) < 2000);
  const verdict = await auth.verify("A", token);
  assert.ok(verdict.ok && verdict.expiresAt === expiry);
  assert.deepEqual(await auth.verify("B", token), {
    ok: false,
    reason: "the token is for another name",
  });
  const old = await mintToken(key, {
    name: "A",
    ttlMs: 1000,
    now: Date.now() - 60_000,
  });
  assert.deepEqual(await auth.verify("A", old), {
    ok: false,
    reason: "the token has expired",
  });
  const other = await mintToken(parseAuthKey("x".repeat(32)), {
    name: "A",
    ttlMs: 60_000,
  });
  assert.deepEqual(await auth.verify("A", other), {
    ok: false,
    reason: "the token's signature does not verify",
  });
  assert.deepEqual(await auth.verify("A", "not.a.jwt"), {
    ok: false,
    reason: "the token is not a valid JWT",
  });
});

Deno.test("an unsigned token (alg none) and a token signed with the public key as an HMAC secret are refused", async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair("ES256", {
    extractable: true,
  });
  const pem = await jose.exportSPKI(publicKey);
  const auth = jwtAuthenticator(parseAuthKey(pem));
  const good = await mintToken(
    parseAuthKey(await jose.exportPKCS8(privateKey)),
    { name: "A", ttlMs: 60_000 },
  );
  assert.equal((await auth.verify("A", good)).ok, true);
  const none = new jose.UnsecuredJWT({ sub: "A" }).setExpirationTime("1h")
    .encode();
  assert.equal((await auth.verify("A", none)).ok, false);
  const confused = await new jose.SignJWT({ sub: "A" })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(pem));
  assert.deepEqual(await auth.verify("A", confused), {
    ok: false,
    reason: "the token's algorithm is not allowed for this key",
  });
});

Deno.test("a JWKS verifies tokens of its keys; minting needs a secret or a private key", async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair("EdDSA", {
    extractable: true,
  });
  const jwk = { ...await jose.exportJWK(publicKey), kid: "k1", alg: "EdDSA" };
  const auth = jwtAuthenticator(
    parseAuthKey(JSON.stringify({ keys: [jwk] })),
  );
  const token = await new jose.SignJWT({ sub: "A" })
    .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
    .setExpirationTime("1h")
    .sign(privateKey);
  assert.equal((await auth.verify("A", token)).ok, true);
  await assert.rejects(
    mintToken(parseAuthKey(await jose.exportSPKI(publicKey)), {
      name: "A",
      ttlMs: 1000,
    }),
    /Cannot mint tokens with a public key/,
  );
  assert.throws(
    () =>
      jwtAuthenticator({ kind: "private", pem: "-----BEGIN PRIVATE KEY-----" }),
    /Cannot verify tokens with a private key/,
  );
  assert.equal(tokenExpiry("garbage"), undefined);
});
