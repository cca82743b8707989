import assert from "node:assert/strict";
import { jwtAuthenticator, mintToken, parseAuthKey } from "../../auth/mod.ts";
import { readWelcome } from "../../doctor/_welcome.ts";
import { readServerPolicy } from "../../doctor/_policy_readers.ts";
import { startServer } from "../../server/mod.ts";

const KEY = parseAuthKey("a-test-secret-that-is-long-enough!!");

Deno.test("readWelcome() reads interval and timeout from a running server and leaves it as it was", async () => {
  await using server = await startServer({
    port: 0,
    interval: 2000,
    timeout: 7000,
  });
  const names: string[] = [];
  server.addEventListener("connect", (e) => names.push(e.detail.name));
  const closed = new Promise<string>((resolve) =>
    server.addEventListener("close", (e) => resolve(e.detail.reason))
  );
  const policy = await readWelcome({
    hostname: "127.0.0.1",
    port: server.addr.port,
  });
  assert.equal(policy.intervalMs, 2000);
  assert.equal(policy.timeoutMs, 7000);
  // The welcome does not carry these: they are the server's defaults.
  assert.deepEqual(policy.assumed, ["tick", "minPingInterval"]);
  assert.equal(policy.tickMs, server.options.tick);
  assert.match(policy.source, /^the welcome of 127\.0\.0\.1:\d+$/);
  assert.match(names[0], /^doctor-[0-9a-f]{8}$/);
  assert.ok(["left", "closed"].includes(await closed));
  assert.equal(server.connectionCount, 0);
});

Deno.test("readWelcome() says hello with a token's name to a server started with --auth jwt", async () => {
  await using server = await startServer({
    port: 0,
    auth: jwtAuthenticator(KEY),
  });
  const token = await mintToken(KEY, { name: "doctor", ttlMs: 60_000 });
  const policy = await readWelcome(
    { hostname: "127.0.0.1", port: server.addr.port },
    { token },
  );
  assert.equal(policy.timeoutMs, 15_000);
  await assert.rejects(
    () => readWelcome({ hostname: "127.0.0.1", port: server.addr.port }),
    (error: Error) =>
      error.message.startsWith(
        `Cannot read the policy of "127.0.0.1:${server.addr.port}": expected a welcome, got {"type":"error","code":"auth_failed"`,
      ) &&
      error.message.endsWith(
        "(a server started with --auth jwt needs --token)",
      ),
  );
});

Deno.test("readWelcome() gives up on a listener that never answers, and on a refused port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  const port = listener.addr.port;
  await assert.rejects(
    () => readWelcome({ hostname: "127.0.0.1", port }, { timeoutMs: 200 }),
    (error: Error) =>
      error.message ===
        `Cannot read the policy of "127.0.0.1:${port}": no answer within 200 ms`,
  );
  listener.close();
  await accepting.catch(() => {});
  for (const conn of accepted) conn.close();
  await assert.rejects(
    () => readWelcome({ hostname: "127.0.0.1", port }, { timeoutMs: 1000 }),
    (error: Error) =>
      error.message.startsWith(
        `Cannot read the policy of "127.0.0.1:${port}": `,
      ) &&
      /refused/i.test(error.message),
  );
});

Deno.test("readServerPolicy() tries the readers in order and uses the first that applies", async () => {
  await using server = await startServer({ port: 0, interval: 1000 });
  const tried: string[] = [];
  const policy = await readServerPolicy(
    { hostname: "127.0.0.1", port: server.addr.port },
    {},
    [
      {
        name: "admin",
        read: () => {
          tried.push("admin");
          return Promise.resolve(undefined);
        },
      },
      {
        name: "welcome",
        read: (address, options) => {
          tried.push("welcome");
          return readWelcome(address, options);
        },
      },
    ],
  );
  assert.deepEqual(tried, ["admin", "welcome"]);
  assert.equal(policy.intervalMs, 1000);
});
