// The client against the real Lifeline server (server/mod.ts).
import assert from "node:assert/strict";
import { connect, LifelineClient } from "../../client/mod.ts";
import { startServer } from "../../server/mod.ts";
import { nextEvent, record, TEST_BOUNDS, until } from "./_fake_server.ts";

const fast = { initialDelay: 20, maxDelay: 100 };

Deno.test("client and server: hello, welcome, pings and a message between two clients", async () => {
  await using server = await startServer({
    port: 0,
    interval: 50,
    timeout: 500,
  });
  const port = server.addr.port;
  await using a = await connect({ port, name: "A", serverBounds: TEST_BOUNDS });
  await using b = await connect({ port, name: "B", serverBounds: TEST_BOUNDS });
  assert.equal(a.interval, 50);
  assert.equal(a.welcome?.timeout, 500);
  await nextEvent(a, "pong");
  const got = nextEvent(a, "message");
  assert.equal(b.send("hi", "A"), "sent");
  assert.deepEqual(await got, { type: "msg", from: "B", body: "hi" });
});

Deno.test("client and server: the client reconnects after the server restarts on the same port", async () => {
  const first = await startServer({
    port: 0,
    interval: 50,
    timeout: 500,
    retryAfterMin: 10,
    retryAfterSpread: 50,
  });
  const port = first.addr.port;
  await using client = await connect({
    port,
    name: "A",
    reconnect: fast,
    serverBounds: TEST_BOUNDS,
  });
  const log = record(client);
  await first.close();
  await until(
    () => log.some((e) => e.type === "disconnect"),
    3000,
    "the disconnect",
  );
  await until(
    () =>
      log.some((e) =>
        e.type === "error" &&
        (e.detail as { code: string }).code === "connect_failed"
      ),
    3000,
    "a refused retry while the server is down",
  );
  await using second = await startServer({ port, interval: 50, timeout: 500 });
  const back = await nextEvent(client, "reconnected", 5000);
  assert.ok(back.downtime > 0);
  await until(
    () => second.clients().some((c) => c.name === "A"),
    3000,
    "A registered at the new server",
  );
  await nextEvent(client, "pong", 3000);
});

Deno.test("client and server: graceful shutdown's retryAfter is honoured as the earliest reconnect", async () => {
  const first = await startServer({
    port: 0,
    interval: 50,
    timeout: 500,
    retryAfterMin: 300,
    retryAfterSpread: 200,
  });
  const port = first.addr.port;
  await using client = await connect({
    port,
    name: "A",
    reconnect: { initialDelay: 10 },
    serverBounds: TEST_BOUNDS,
  });
  const log = record(client);
  const closing = first.close();
  const bye = await nextEvent(client, "bye", 3000);
  const byeAt = Date.now();
  assert.equal(bye.reason, "shutdown");
  assert.ok(
    bye.retryAfter! >= 300 && bye.retryAfter! < 500,
    `${bye.retryAfter}`,
  );
  await closing;
  await using second = await startServer({ port, interval: 50, timeout: 500 });
  await nextEvent(client, "reconnected", 5000);
  const cameBack = Date.now() - byeAt;
  const scheduled = log.find((e) => e.type === "reconnecting")?.detail as {
    delay: number;
  };
  assert.ok(scheduled.delay >= bye.retryAfter!, `delay ${scheduled.delay}`);
  assert.ok(cameBack >= bye.retryAfter! - 20, `came back after ${cameBack}ms`);
  assert.equal(second.clients().length, 1);
});

Deno.test("client and server: too_many_pings doubles the client's interval until the server is content", async () => {
  await using server = await startServer({
    port: 0,
    interval: 30,
    timeout: 1000,
    minPingInterval: 50,
    maxPingStrikes: 2,
  });
  await using client = await connect({
    port: server.addr.port,
    name: "A",
    reconnect: fast,
    serverBounds: TEST_BOUNDS,
  });
  const log = record(client);
  const error = await nextEvent(
    client,
    "error",
    3000,
    (d) => d.code === "too_many_pings",
  );
  assert.equal(error.source, "server");
  const welcome = await nextEvent(client, "welcome", 3000);
  assert.equal(welcome.effectiveInterval, 60);
  // At 60 ms the server's 50 ms minimum is respected: no more strikes.
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(client.connected, true);
  const errors = log.filter((e) => e.type === "error");
  assert.equal(
    errors.length,
    1,
    "only the first connection got too_many_pings",
  );
});

Deno.test("client and server: a client replaced by the same name sees bye replaced and stops", async () => {
  await using server = await startServer({
    port: 0,
    interval: 50,
    timeout: 500,
  });
  const port = server.addr.port;
  const first = await connect({
    port,
    name: "A",
    reconnect: fast,
    serverBounds: TEST_BOUNDS,
  });
  const log = record(first);
  await using second = await connect({
    port,
    name: "A",
    serverBounds: TEST_BOUNDS,
  });
  const closed = await first.closed;
  assert.equal(closed.reason, "replaced");
  assert.ok(
    log.some((e) =>
      e.type === "bye" && (e.detail as { reason: string }).reason === "replaced"
    ),
  );
  assert.equal(log.some((e) => e.type === "reconnecting"), false);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(second.connected, true);
  assert.deepEqual(server.clients().map((c) => c.name), ["A"]);
});

Deno.test("client and server: the server tells A that B timed out when B's heartbeats stop", async () => {
  await using server = await startServer({
    port: 0,
    interval: 30,
    timeout: 200,
  });
  const port = server.addr.port;
  await using a = await connect({ port, name: "A", serverBounds: TEST_BOUNDS });
  a.watch(["B"]);
  assert.deepEqual(a.watching, ["B"]);
  // B pings far too rarely: with a clock running slow it thinks it is early.
  let slow = 0;
  const b = new LifelineClient({
    port,
    name: "B",
    reconnect: false,
    serverBounds: TEST_BOUNDS,
    clock: { now: () => Date.now() - slow },
  });
  await nextEvent(b, "welcome");
  slow = 100_000;
  const offline = await nextEvent(
    a,
    "presence",
    3000,
    (d) => d.name === "B" && d.state === "offline" && d.reason !== undefined,
  );
  assert.equal(offline.reason, "timeout");
  await b.close();
});

Deno.test("client and server: a server process frozen with SIGSTOP is declared dead within timeout + interval, and the client is back after SIGCONT", async () => {
  const interval = 100;
  const timeout = 500;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../server/main.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--interval",
      `${interval}ms`,
      "--timeout",
      `${timeout}ms`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  let port = 0;
  while (port === 0) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
    const match = /listening on [^ ]+:(\d+)/.exec(output);
    if (match) port = Number(match[1]);
  }
  const draining = (async () => {
    while (!(await lines.read()).done) {
      // discard the server's log
    }
  })();
  let frozen = false;
  try {
    assert.ok(port > 0, `server printed its port: ${output}`);
    await using client = await connect({
      port,
      name: "A",
      reconnect: fast,
      connectTimeout: 300,
    });
    const log = record(client);
    await nextEvent(client, "pong");
    child.kill("SIGSTOP");
    frozen = true;
    const frozenAt = Date.now();
    const dead = await nextEvent(client, "dead", 5000);
    const latency = Date.now() - frozenAt;
    console.log(
      `dead server detected after ${latency}ms (timeout ${timeout}ms, interval ${interval}ms)`,
    );
    assert.equal(dead.handshake, false);
    assert.ok(latency >= timeout - interval - 20, `${latency}ms`);
    assert.ok(latency <= timeout + interval + 300, `${latency}ms`);
    child.kill("SIGCONT");
    frozen = false;
    await nextEvent(client, "reconnected", 5000);
    assert.ok(log.some((e) => e.type === "reconnecting"));
  } finally {
    if (frozen) child.kill("SIGCONT");
    child.kill("SIGTERM");
    await child.status;
    await draining;
  }
});
