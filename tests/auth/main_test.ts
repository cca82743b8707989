import assert from "node:assert/strict";
import { jwtAuthenticator, parseAuthKey } from "../../auth/mod.ts";
import { runDeno } from "../_helpers/run.ts";

Deno.test("deno task token mints a token the server's key verifies", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const secret = `${dir}/secret`;
    await Deno.writeTextFile(secret, "s".repeat(40) + "\n");
    const { code, stdout, stderr } = await runDeno("auth/main.ts", [
      "--auth-key",
      secret,
      "--name",
      "A",
      "--ttl",
      "10m",
    ]);
    assert.equal(code, 0, stderr);
    const token = stdout.trim();
    const auth = jwtAuthenticator(
      parseAuthKey(await Deno.readTextFile(secret)),
    );
    const verdict = await auth.verify("A", token);
    assert.ok(verdict.ok);
    assert.ok(
      verdict.expiresAt! - Date.now() > 9 * 60_000 &&
        verdict.expiresAt! - Date.now() <= 10 * 60_000 + 1000,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task token rejects bad input with one line and exit code 2", async () => {
  for (
    const [args, pattern] of [
      [["--name", "A"], /Missing --auth-key/],
      [["--auth-key", "/nonexistent"], /Missing --name/],
      [
        ["--auth-key", "k", "--name", "no spaces"],
        /--name: Cannot use "no spaces"/,
      ],
      [
        ["--auth-key", "k", "--name", "A", "--ttl", "10ms"],
        /--ttl: Cannot use "10ms"/,
      ],
      [["--bogus"], /Unknown option '--bogus'/],
    ] as const
  ) {
    const { code, stderr } = await runDeno("auth/main.ts", [...args]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, pattern);
    assert.equal(stderr.trim().split("\n").length, 1);
  }
  const missing = await runDeno("auth/main.ts", [
    "--auth-key",
    "/nonexistent/key",
    "--name",
    "A",
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^token: .*nonexistent/);
});
