import assert from "node:assert/strict";
import { jwtAuthenticator, mintToken, parseAuthKey } from "../../auth/mod.ts";
import { connect } from "../../client/mod.ts";
import type { PresenceFrame } from "../../protocol/mod.ts";
import { WS_CLOSE } from "../../protocol/mod.ts";
import { startServer } from "../../server/mod.ts";
import { webSocketDialer } from "../../transport/mod.ts";
import { delay, keepPinging, RawClient } from "../_helpers/server.ts";
import { OP, WsClient } from "../_helpers/ws_client.ts";

// The WebSocket listener serves the same sessions as TCP: one hub, one
// liveness registry, one set of limits. These tests mix both kinds of
// client on one server.

const WS = { port: 0 } as const;

function presence(frames: unknown[], name: string): PresenceFrame[] {
  return (frames as PresenceFrame[]).filter((f) =>
    f.type === "presence" && f.name === name
  );
}

Deno.test("a WebSocket client and a TCP client see each other's presence and messages", async () => {
  await using server = await startServer({ port: 0, ws: WS });
  const wsPort = server.wsAddr!.port;
  assert.notEqual(wsPort, server.addr.port);
  await using tcp = await RawClient.hello(server.addr.port, "T", ["W"]);
  assert.deepEqual(presence(tcp.frames, "W").at(-1)?.state, "offline");
  await using ws = await WsClient.hello(wsPort, "W", ["T"]);
  assert.equal(presence(ws.frames, "T").at(-1)?.state, "online");
  await tcp.until(() => presence(tcp.frames, "W").at(-1)?.state === "online");

  await tcp.send({ type: "msg", to: "W", body: "over TCP" });
  await ws.waitFor((f) => f.type === "msg" && f.body === "over TCP");
  await ws.send({ type: "msg", to: "T", body: "over WebSocket" });
  await tcp.waitFor((f) => f.type === "msg" && f.body === "over WebSocket");
  await ws.send({ type: "msg", body: "to everyone" });
  const broadcast = await tcp.waitFor((f) =>
    f.type === "msg" && f.body === "to everyone"
  );
  assert.deepEqual(broadcast, { type: "msg", from: "W", body: "to everyone" });

  await ws.send({ type: "bye" });
  await tcp.until(() => presence(tcp.frames, "W").at(-1)?.state === "offline");
  assert.equal(presence(tcp.frames, "W").at(-1)?.reason, "closed");
  const close = await ws.waitClose();
  assert.equal(close.code, WS_CLOSE.normal);
  assert.deepEqual(
    server.clients().map((c) => c.name),
    ["T"],
  );
});

Deno.test("the Deno client connects over WebSocket with webSocketDialer and talks to a TCP client", async () => {
  await using server = await startServer({ port: 0, ws: WS });
  await using tcp = await connect({ name: "T", port: server.addr.port });
  await using browserLike = await connect({
    name: "W",
    dialer: webSocketDialer({ url: `ws://127.0.0.1:${server.wsAddr!.port}/` }),
  });
  const got = new Promise<string>((resolve) => {
    tcp.addEventListener("message", (e) => resolve(e.detail.body));
  });
  browserLike.send("hello from a WebSocket", "T");
  assert.equal(await got, "hello from a WebSocket");
  assert.equal(browserLike.interval, 5000);
  assert.ok(browserLike.connected);
});

Deno.test("the sweep drops a silent WebSocket client within timeout + tick; its TCP watcher sees suspect, then offline timeout", async () => {
  const options = {
    interval: 100,
    timeout: 400,
    tick: 40,
    suspectAfter: 150,
    minPingInterval: 0,
  };
  await using server = await startServer({ port: 0, ws: WS, ...options });
  await using watcher = await RawClient.hello(server.addr.port, "T", ["W"]);
  const stop = keepPinging(watcher, 100);
  try {
    await using ws = await WsClient.hello(server.wsAddr!.port, "W");
    const silentSince = performance.now();
    const byeTimeout = await ws.waitFor(
      (f) => f.type === "bye" && f.reason === "timeout",
      3000,
    );
    const dropped = performance.now() - silentSince;
    assert.ok(byeTimeout);
    assert.ok(
      dropped >= options.timeout - 5 &&
        dropped <= options.timeout + options.tick + 100,
      `dropped after ${dropped} ms`,
    );
    const close = await ws.waitClose();
    assert.deepEqual(close, { code: WS_CLOSE.timeout, reason: "timeout" });
    await watcher.until(() =>
      presence(watcher.frames, "W").at(-1)?.state === "offline"
    );
    const states = presence(watcher.frames, "W").map((f) =>
      `${f.state}${f.reason ? ` ${f.reason}` : ""}`
    );
    assert.deepEqual(states, [
      "offline",
      "online",
      "suspect",
      "offline timeout",
    ]);
  } finally {
    stop();
  }
});

Deno.test("a WebSocket client that pings stays online past several timeouts", async () => {
  await using server = await startServer({
    port: 0,
    ws: WS,
    interval: 100,
    timeout: 300,
    tick: 30,
    minPingInterval: 0,
  });
  await using ws = await WsClient.hello(server.wsAddr!.port, "W");
  let seq = 0;
  const timer = setInterval(() => {
    ws.send({ type: "ping", seq: ++seq }).catch(() => {});
  }, 100);
  try {
    await delay(1200);
    assert.deepEqual(server.clients().map((c) => c.name), ["W"]);
    assert.ok(ws.frames.filter((f) => f.type === "pong").length >= 8);
    assert.equal(ws.close_, undefined);
  } finally {
    clearInterval(timer);
  }
});

Deno.test("WebSocket pings are answered but are no sign of life: only frames keep a session open", async () => {
  await using server = await startServer({
    port: 0,
    ws: WS,
    interval: 100,
    timeout: 300,
    tick: 30,
  });
  await using ws = await WsClient.hello(server.wsAddr!.port, "W");
  const timer = setInterval(() => {
    ws.write(new Uint8Array([0x89, 0x80, 1, 2, 3, 4])).catch(() => {});
  }, 50);
  try {
    const close = await ws.waitClose(2000);
    assert.equal(close.code, WS_CLOSE.timeout);
    assert.ok(ws.messages.some((m) => m.opcode === OP.pong));
  } finally {
    clearInterval(timer);
  }
});

Deno.test("with auth on, a WebSocket hello needs a token for its name; a refusal closes with 4005 auth_failed", async () => {
  const key = parseAuthKey("a-test-secret-that-is-long-enough!!");
  await using server = await startServer({
    port: 0,
    ws: WS,
    auth: jwtAuthenticator(key),
  });
  await using thief = await WsClient.connect(server.wsAddr!.port);
  await thief.send({
    type: "hello",
    name: "A",
    token: await mintToken(key, { name: "B", ttlMs: 60_000 }),
  });
  const close = await thief.waitClose();
  assert.deepEqual(close, { code: WS_CLOSE.authFailed, reason: "auth_failed" });
  assert.ok(
    thief.frames.some((f) => f.type === "error" && f.code === "auth_failed"),
  );
  await using owner = await WsClient.connect(server.wsAddr!.port);
  await owner.send({
    type: "hello",
    name: "A",
    token: await mintToken(key, { name: "A", ttlMs: 60_000 }),
  });
  await owner.waitFor((f) => f.type === "welcome");
});

Deno.test("maxConnections counts both listeners: a WebSocket client past it gets bye server_full and close 1013", async () => {
  await using server = await startServer({
    port: 0,
    ws: WS,
    maxConnections: 1,
  });
  await using tcp = await RawClient.hello(server.addr.port, "T");
  await using ws = await WsClient.connect(server.wsAddr!.port);
  const bye = await ws.waitFor((f) => f.type === "bye");
  assert.equal(bye.type === "bye" && bye.reason, "server_full");
  assert.ok(bye.type === "bye" && bye.retryAfter! >= 1000);
  const close = await ws.waitClose();
  assert.deepEqual(close, {
    code: WS_CLOSE.tryAgainLater,
    reason: "server_full",
  });
  assert.equal(tcp.eof, false);
});

Deno.test("maxPerIp counts a source address's connections on both listeners", async () => {
  await using server = await startServer({ port: 0, ws: WS, maxPerIp: 1 });
  await using tcp = await RawClient.hello(server.addr.port, "T");
  await using ws = await WsClient.connect(server.wsAddr!.port);
  const close = await ws.waitClose();
  assert.deepEqual(close, {
    code: WS_CLOSE.tryAgainLater,
    reason: "too_many_connections",
  });
  assert.equal(tcp.eof, false);
});

Deno.test("the message rate limit applies over WebSocket", async () => {
  await using server = await startServer({
    port: 0,
    ws: WS,
    msgRate: 5,
    msgBurst: 2,
  });
  await using ws = await WsClient.hello(server.wsAddr!.port, "W");
  for (let i = 0; i < 5; i++) await ws.send({ type: "msg", body: `${i}` });
  await ws.waitFor((f) => f.type === "error" && f.code === "rate_limited");
});

Deno.test("a message over the server's maxFrameBytes closes a WebSocket client with 1009 and disturbs nobody else", async () => {
  await using server = await startServer({
    port: 0,
    ws: WS,
    maxFrameBytes: 1024,
  });
  await using tcp = await RawClient.hello(server.addr.port, "T", ["W"]);
  await using ws = await WsClient.hello(server.wsAddr!.port, "W");
  await ws.send({ type: "msg", body: "x".repeat(2000) });
  const close = await ws.waitClose();
  assert.equal(close.code, WS_CLOSE.messageTooBig);
  await tcp.until(() => presence(tcp.frames, "W").at(-1)?.state === "offline");
  await tcp.send({ type: "ping", seq: 1 });
  await tcp.waitFor((f) => f.type === "pong");
  assert.equal(tcp.frames.some((f) => f.type === "msg"), false);
});

Deno.test("invalid frames over WebSocket get the same errors and the same close as over TCP", async () => {
  await using server = await startServer({ port: 0, ws: WS });
  await using ws = await WsClient.connect(server.wsAddr!.port);
  await ws.text("not json");
  await ws.send({ type: "ping", seq: 1 });
  await ws.send({ type: "hello", name: "bad name!" });
  const close = await ws.waitClose();
  assert.deepEqual(close, {
    code: WS_CLOSE.protocolError,
    reason: "protocol_error",
  });
  assert.deepEqual(
    ws.frames.map((f) => f.type === "error" ? f.code : f.type),
    [
      "invalid_json",
      "hello_required",
      "invalid_frame",
      "too_many_errors",
      "bye",
    ],
  );
});

Deno.test("at shutdown a WebSocket client gets bye shutdown with retryAfter, then close 1001", async () => {
  const server = await startServer({ port: 0, ws: WS });
  const ws = await WsClient.hello(server.wsAddr!.port, "W");
  const closing = server.close();
  const bye = await ws.waitFor((f) => f.type === "bye");
  assert.ok(bye.type === "bye" && bye.reason === "shutdown");
  assert.ok(bye.type === "bye" && bye.retryAfter! >= 1000);
  const close = await ws.waitClose();
  assert.deepEqual(close, { code: WS_CLOSE.goingAway, reason: "shutdown" });
  await ws.close();
  await closing;
});

Deno.test("a WebSocket listener that cannot listen fails startServer, and the TCP listener is closed again", async () => {
  await using taken = await startServer({ port: 0, ws: WS });
  const port = taken.wsAddr!.port;
  await assert.rejects(startServer({ port: 0, ws: { port } }));
  // The TCP port of the failed server is free again: nothing leaked (the
  // sanitizers would fail this test otherwise).
});
