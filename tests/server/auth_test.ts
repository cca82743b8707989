import assert from "node:assert/strict";
import { jwtAuthenticator, mintToken, parseAuthKey } from "../../auth/mod.ts";
import type { ServerFrame } from "../../protocol/mod.ts";
import { type SessionCloseDetail, startServer } from "../../server/mod.ts";
import { delay, RawClient, TRANSPORTS } from "../_helpers/server.ts";
import { REPO, runDeno } from "../_helpers/run.ts";
import { ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";

const KEY = parseAuthKey("a-test-secret-that-is-long-enough!!");
const auth = jwtAuthenticator(KEY, { clockToleranceSec: 0 });

function token(name: string, ttlMs = 60_000, now?: number): Promise<string> {
  return mintToken(KEY, { name, ttlMs, now });
}

function errorCode(frames: ServerFrame[]): string | undefined {
  const error = frames.find((f) => f.type === "error");
  return error?.type === "error" ? error.code : undefined;
}

for (const transport of TRANSPORTS) {
  Deno.test(`with auth on, hello needs a token for its name (${transport})`, async () => {
    await using server = await startServer({ port: 0, auth, transport });
    const cases: [Record<string, unknown>, string][] = [
      [{ type: "hello", name: "A" }, "a token is required"],
      [{ type: "hello", name: "A", token: await token("B") }, "another name"],
      [{ type: "hello", name: "A", token: "garbage" }, "not a valid JWT"],
      [
        { type: "hello", name: "A", token: await token("A", 1000, 0) },
        "expired",
      ],
    ];
    for (const [hello, why] of cases) {
      await using c = await RawClient.connect(server.addr.port);
      await c.send(hello);
      await c.waitClosed();
      assert.equal(errorCode(c.frames), "auth_failed", why);
      const error = c.frames.find((f) => f.type === "error");
      assert.ok(error?.type === "error" && error.message.includes(why));
      assert.deepEqual(c.frames.at(-1), { type: "bye", reason: "auth_failed" });
    }
    await using a = await RawClient.connect(server.addr.port);
    await a.send({ type: "hello", name: "A", token: await token("A") });
    await a.waitFor((f) => f.type === "welcome");
    assert.deepEqual(server.clients().map((c) => c.name), ["A"]);
  });

  Deno.test(`with auth on, nobody without a valid token can take a name (${transport})`, async () => {
    await using server = await startServer({ port: 0, auth, transport });
    const closes: SessionCloseDetail[] = [];
    server.addEventListener("close", (e) => closes.push(e.detail));
    await using victim = await RawClient.connect(server.addr.port);
    await victim.send({ type: "hello", name: "V", token: await token("V") });
    await victim.waitFor((f) => f.type === "welcome");
    for (let i = 0; i < 20; i++) {
      await using thief = await RawClient.connect(server.addr.port);
      await thief.send({ type: "hello", name: "V", token: await token("T") });
      await thief.waitClosed();
    }
    await victim.send({ type: "ping", seq: 1 });
    await victim.waitFor((f) => f.type === "pong");
    assert.equal(victim.eof, false);
    assert.deepEqual(closes, []);
    // A holder of a valid token for the name does replace it.
    await using second = await RawClient.connect(server.addr.port);
    await second.send({ type: "hello", name: "V", token: await token("V") });
    await second.waitFor((f) => f.type === "welcome");
    await victim.waitClosed();
    assert.deepEqual(victim.frames.at(-1), { type: "bye", reason: "replaced" });
  });
}

Deno.test("a session whose token expires without a refresh gets bye token_expired; a refresh keeps it", async () => {
  await using server = await startServer({
    port: 0,
    interval: 100,
    timeout: 2000,
    minPingInterval: 0,
    auth,
  });
  await using a = await RawClient.connect(server.addr.port);
  await a.send({ type: "hello", name: "A", token: await token("A", 1500) });
  await a.waitFor((f) => f.type === "welcome");
  await using b = await RawClient.connect(server.addr.port);
  await b.send({ type: "hello", name: "B", token: await token("B", 1500) });
  await b.waitFor((f) => f.type === "welcome");
  await b.send({ type: "refresh", token: await token("B", 60_000) });
  let seq = 0;
  const beat = setInterval(() => {
    seq++;
    a.send({ type: "ping", seq }).catch(() => {});
    b.send({ type: "ping", seq }).catch(() => {});
  }, 100);
  try {
    await a.waitClosed(5000);
    assert.deepEqual(a.frames.at(-1), { type: "bye", reason: "token_expired" });
    await delay(300);
    assert.equal(b.eof, false);
  } finally {
    clearInterval(beat);
  }
  // A refresh for another name is refused, and closes the session.
  await b.send({ type: "refresh", token: await token("C") });
  await b.waitClosed();
  assert.equal(errorCode(b.frames), "auth_failed");
});

Deno.test("with auth on, Go-format clients are refused unless allowed, as unauthenticated", async () => {
  const go = '{"MessageType":1,"Content":"x","Owner":"gopher"}';
  {
    await using server = await startServer({ port: 0, auth });
    await using c = await RawClient.connect(server.addr.port);
    await c.write(go);
    await c.waitClosed();
    assert.equal(c.bytesRead, 0);
    assert.deepEqual(server.clients(), []);
  }
  {
    await using server = await startServer({
      port: 0,
      auth,
      allowUnauthenticatedGo: true,
    });
    await using c = await RawClient.connect(server.addr.port);
    await c.write(go);
    await delay(100);
    assert.deepEqual(server.clients().map((s) => s.name), ["gopher"]);
  }
});

Deno.test("the server CLI takes --auth jwt --auth-key and refuses bad key files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const secret = `${dir}/secret`;
    await Deno.writeTextFile(secret, "a-test-secret-that-is-long-enough!!\n");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "server/main.ts",
        "--port",
        "0",
        "--log-format",
        "json",
        "--auth",
        "jwt",
        "--auth-key",
        secret,
      ],
      cwd: REPO,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("\n")) text += (await reader.read()).value ?? "";
    const port = JSON.parse(text.split("\n")[0]).address.port;
    {
      await using a = await RawClient.connect(port);
      await a.send({ type: "hello", name: "A", token: await token("A") });
      await a.waitFor((f) => f.type === "welcome");
      await using x = await RawClient.connect(port);
      await x.send({ type: "hello", name: "X" });
      await x.waitClosed();
      assert.equal(errorCode(x.frames), "auth_failed");
    }
    child.kill("SIGTERM");
    await reader.cancel();
    assert.equal((await child.status).code, 0);

    const cases: [string[], RegExp][] = [
      [["--auth", "jwt"], /--auth: Cannot check tokens without --auth-key/],
      [
        ["--auth-key", secret],
        /--auth-key: Cannot use a key without --auth jwt/,
      ],
      [["--auth", "basic", "--auth-key", secret], /--auth: Cannot use "basic"/],
      [
        ["--auth", "jwt", "--auth-key", `${dir}/missing`],
        /--auth-key: Cannot use ".*missing"/,
      ],
      [["--allow-go-unauthenticated"], /without --auth jwt/],
    ];
    await Deno.writeTextFile(`${dir}/short`, "short");
    cases.push([
      ["--auth", "jwt", "--auth-key", `${dir}/short`],
      /at least 32/,
    ]);
    for (const [args, pattern] of cases) {
      const { code, stderr } = await runDeno("server/main.ts", args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, pattern);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "the server CLI warns when it listens off loopback without auth (in a private network namespace)",
  ignore: ignoreUnless(
    "root (unshare -n)",
    IS_ROOT,
    "tests/server/auth_test.ts",
  ),
  async fn() {
    // 0.0.0.0 inside a namespace of its own: nothing outside it is exposed.
    const child = new Deno.Command("unshare", {
      args: [
        "-n",
        "--",
        Deno.execPath(),
        "run",
        "-A",
        "server/main.ts",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
      ],
      cwd: REPO,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("listening")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
    assert.match(text, /warning: listening on 0\.0\.0\.0 without --auth/);
  },
});
