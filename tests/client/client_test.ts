import assert from "node:assert/strict";
import { connect, LifelineClient } from "../../client/mod.ts";
import type { PingFrame } from "../../protocol/mod.ts";
import { memoryNetwork } from "../../transport/mod.ts";
import { FakeServer, nextEvent, record, until } from "./_fake_server.ts";
import { FakeTime } from "../_helpers/fake_time.ts";

// The client's unit tests run on an in-memory network through the
// transport seam; tests/client/client_server_test.ts runs it on real
// sockets against the real server.
const network = memoryNetwork();
let unused = 60_000;

/** A port nothing listens on (yet) on the in-memory network. */
function unusedPort(): number {
  return unused++;
}

const fast = { initialDelay: 20, maxDelay: 100 };

function pings(frames: { type: string }[]): PingFrame[] {
  return frames.filter((f): f is PingFrame => f.type === "ping");
}

Deno.test("connect() says hello, follows welcome's interval and receives pongs", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 30,
    timeout: 1000,
  });
  await using client = await connect({ ...server.at, name: "A" });
  assert.equal(client.connected, true);
  assert.equal(client.interval, 30);
  assert.equal(client.welcome?.timeout, 1000);
  const pong = await nextEvent(client, "pong");
  assert.equal(typeof pong.rtt, "number");
  const peer = server.named("A")[0];
  await until(() => pings(peer.frames).length >= 4, 2000, "four pings");
  assert.deepEqual(peer.frames[0], { type: "hello", name: "A" });
  assert.deepEqual(pings(peer.frames).slice(0, 3).map((p) => p.seq), [1, 2, 3]);
});

Deno.test("the client declares a server that stops answering dead within timeout + one interval, then reconnects", async () => {
  const interval = 40;
  const timeout = 250;
  await using server = await FakeServer.start({ network, interval, timeout });
  await using client = await connect({
    ...server.at,
    name: "A",
    reconnect: fast,
  });
  const log = record(client);
  await nextEvent(client, "pong");
  server.options.answerPings = false;
  const silentSince = Date.now();
  const dead = await nextEvent(client, "dead", 3000);
  const detectedAfter = Date.now() - silentSince;
  assert.ok(dead.silentFor >= timeout, `silent for ${dead.silentFor}ms`);
  assert.equal(dead.handshake, false);
  assert.ok(
    detectedAfter >= timeout - interval - 10,
    `not before the timeout: ${detectedAfter}ms`,
  );
  assert.ok(
    detectedAfter <= timeout + interval + 300,
    `within timeout + interval (+ slack for a loaded machine): ${detectedAfter}ms`,
  );
  server.options.answerPings = true;
  const back = await nextEvent(client, "reconnected", 3000);
  assert.ok(back.attempts >= 1);
  const order = log.map((e) => e.type).filter((t) =>
    [
      "dead",
      "disconnect",
      "reconnecting",
      "connecting",
      "welcome",
      "reconnected",
    ]
      .includes(t)
  );
  assert.deepEqual(order.slice(0, 6), [
    "dead",
    "disconnect",
    "reconnecting",
    "connecting",
    "welcome",
    "reconnected",
  ]);
  assert.equal(server.named("A").length, 2);
  assert.equal(
    server.named("A")[0].closed,
    true,
    "the dead connection was closed",
  );
});

Deno.test("a server that accepts and never replies is declared dead after connectTimeout, and the client keeps trying", async () => {
  await using server = await FakeServer.start({ network, welcome: false });
  await assert.rejects(
    connect({ ...server.at, name: "A", connectTimeout: 150 }),
    /Cannot connect to 127\.0\.0\.1:\d+ as "A": No welcome/,
  );
  const started = Date.now();
  await using client = new LifelineClient({
    ...server.at,
    name: "A",
    connectTimeout: 150,
    reconnect: fast,
  });
  const dead = await nextEvent(client, "dead", 3000);
  assert.equal(dead.handshake, true);
  assert.ok(Date.now() - started >= 140);
  await nextEvent(client, "connecting", 3000, (d) => d.attempt === 2);
  await until(() => server.peers.length >= 3, 3000, "a third connection");
});

Deno.test("the client reconnects after the server restarts on the same port", async () => {
  const first = await FakeServer.start({ network, interval: 30, timeout: 500 });
  const port = first.port;
  await using client = await connect({
    ...first.at,
    name: "A",
    reconnect: fast,
  });
  const log = record(client);
  await first.close();
  await nextEvent(client, "disconnect", 3000);
  await nextEvent(client, "error", 3000, (d) => d.code === "connect_failed");
  await using second = await FakeServer.start({
    network,
    port,
    interval: 30,
    timeout: 500,
  });
  const back = await nextEvent(client, "reconnected", 3000);
  assert.ok(back.attempts >= 2, `took ${back.attempts} attempts`);
  assert.ok(back.downtime > 0);
  assert.equal(second.named("A").length, 1);
  await until(() => pings(second.named("A")[0].frames).length >= 1);
  const delays = log.filter((e) => e.type === "reconnecting").map((e) =>
    (e.detail as { delay: number }).delay
  );
  assert.ok(delays.every((d) => d >= 0 && d < fast.maxDelay));
});

Deno.test("bye {reason: shutdown, retryAfter} is honoured as the earliest reconnect", async () => {
  const retryAfter = 300;
  let byeAt = 0;
  await using server = await FakeServer.start({
    network,
    interval: 1000,
    timeout: 3000,
    onFrame(frame, peer, srv) {
      if (frame.type === "hello" && srv.peers.indexOf(peer) === 0) {
        byeAt = Date.now();
        srv.send(peer, { type: "bye", reason: "shutdown", retryAfter });
        setTimeout(() => srv.drop(peer), 20);
      }
    },
  });
  await using client = new LifelineClient({
    ...server.at,
    name: "A",
    reconnect: { initialDelay: 10 },
  });
  const log = record(client);
  await nextEvent(client, "welcome", 3000, (d) => d.reconnect);
  const connectedAt = Date.now();
  const bye = log.find((e) => e.type === "bye")?.detail as {
    retryAfter?: number;
  };
  assert.equal(bye.retryAfter, retryAfter);
  const scheduled = log.find((e) => e.type === "reconnecting")?.detail as {
    delay: number;
    retryAfter?: number;
  };
  assert.equal(scheduled.retryAfter, retryAfter);
  assert.ok(scheduled.delay >= retryAfter, `delay ${scheduled.delay}`);
  assert.ok(
    connectedAt - byeAt >= retryAfter - 5,
    `came back after ${connectedAt - byeAt}ms`,
  );
});

Deno.test("error too_many_pings doubles the ping interval, also after the reconnect", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 30,
    timeout: 2000,
    onFrame(frame, peer, srv) {
      if (
        frame.type === "ping" && frame.seq === 3 &&
        srv.peers.indexOf(peer) === 0
      ) {
        srv.send(peer, {
          type: "error",
          code: "too_many_pings",
          message: "Too many pings",
        });
        srv.send(peer, { type: "bye", reason: "too_many_pings" });
        setTimeout(() => srv.drop(peer), 10);
      }
    },
  });
  await using client = await connect({
    ...server.at,
    name: "A",
    reconnect: fast,
  });
  const changed = await nextEvent(client, "interval", 3000);
  assert.deepEqual(changed, { interval: 60, reason: "too_many_pings" });
  const welcome = await nextEvent(client, "welcome", 3000);
  assert.equal(welcome.interval, 30);
  assert.equal(welcome.effectiveInterval, 60);
  assert.equal(client.interval, 60);
  const peer = server.peers[1];
  await until(() => pings(peer.frames).length >= 3, 3000, "three pings");
});

Deno.test("a client replaced by another of the same name closes for good instead of fighting back", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 50,
    timeout: 1000,
    onFrame(frame, peer, srv) {
      if (frame.type !== "hello") return;
      for (const old of srv.named(frame.name)) {
        if (old !== peer && !old.closed) {
          srv.send(old, { type: "bye", reason: "replaced" });
          setTimeout(() => srv.drop(old), 10);
        }
      }
    },
  });
  const first = await connect({
    ...server.at,
    name: "A",
    reconnect: fast,
  });
  const log = record(first);
  const closed = first.closed;
  await using second = await connect({ ...server.at, name: "A" });
  const detail = await closed;
  assert.equal(detail.reason, "replaced");
  assert.equal(log.some((e) => e.type === "reconnecting"), false);
  assert.equal(first.connected, false);
  assert.equal(second.connected, true);
  await first.close();
});

Deno.test("a clock jump, as after a laptop sleep, is noticed at the next check, not after a full timeout", async (t) => {
  await t.step("on the next tick", async () => {
    let offset = 0;
    await using server = await FakeServer.start({
      network,
      interval: 5000,
      timeout: 20_000,
    });
    await using client = await connect({
      ...server.at,
      name: "A",
      reconnect: false,
      tick: 30,
      clock: { now: () => Date.now() + offset },
    });
    offset = 60_000;
    const jumpedAt = Date.now();
    const dead = await nextEvent(client, "dead", 2000);
    assert.ok(dead.silentFor >= 60_000);
    assert.ok(Date.now() - jumpedAt < 1000, "noticed within a few ticks");
  });
  await t.step("before a send", async () => {
    let offset = 0;
    await using server = await FakeServer.start({
      network,
      interval: 5000,
      timeout: 20_000,
    });
    await using client = await connect({
      ...server.at,
      name: "A",
      reconnect: false,
      tick: 60_000,
      clock: { now: () => Date.now() + offset },
    });
    const log = record(client);
    offset = 60_000;
    assert.throws(() => client.send("hi"), /is closed/);
    assert.deepEqual(log.slice(0, 2).map((e) => e.type), [
      "dead",
      "disconnect",
    ]);
  });
});

Deno.test("messages sent while disconnected are queued, bounded, and flushed in order after welcome", async () => {
  const port = unusedPort();
  await using client = new LifelineClient({
    port,
    dialer: network.dialer,
    name: "B",
    maxQueue: 2,
    reconnect: fast,
  });
  assert.equal(client.send("one"), "queued");
  assert.equal(client.send("two", "A"), "queued");
  assert.throws(() => client.send("three"), RangeError);
  assert.throws(() => client.send("x", "not a name"), TypeError);
  await nextEvent(client, "error", 3000, (d) => d.code === "connect_failed");
  await using server = await FakeServer.start({
    network,
    port,
    interval: 1000,
    timeout: 3000,
  });
  await nextEvent(client, "welcome", 3000);
  const peer = server.named("B")[0];
  await until(() => peer.frames.length >= 3, 2000, "the queued messages");
  assert.deepEqual(peer.frames.slice(1, 3), [
    { type: "msg", body: "one" },
    { type: "msg", to: "A", body: "two" },
  ]);
  assert.equal(client.queued, 0);
  assert.equal(client.send("now"), "sent");
});

Deno.test("close() reports the messages that never left the queue", async () => {
  const port = unusedPort();
  const client = new LifelineClient({
    port,
    dialer: network.dialer,
    name: "B",
    reconnect: fast,
  });
  client.send("lost?");
  const detail = await client.close();
  assert.equal(detail.reason, "closed");
  assert.deepEqual(detail.unsent, [{ type: "msg", body: "lost?" }]);
  assert.throws(
    () => client.send("after"),
    /Cannot send: client "B" is closed/,
  );
});

Deno.test("connect() rejects with a clear error when nothing listens", async () => {
  const port = unusedPort();
  await assert.rejects(
    connect({ port, dialer: network.dialer, name: "A" }),
    new RegExp(`Cannot connect to 127\\.0\\.0\\.1:${port} as "A"`),
  );
  assert.throws(() => new LifelineClient({ name: "bad name" }), TypeError);
  assert.throws(
    () => new LifelineClient({ name: "A", port: 70000 }),
    RangeError,
  );
});

Deno.test("an AbortSignal closes the client with reason aborted", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 50,
    timeout: 1000,
  });
  const controller = new AbortController();
  const client = await connect({
    ...server.at,
    name: "A",
    signal: controller.signal,
  });
  controller.abort();
  const detail = await client.closed;
  assert.equal(detail.reason, "aborted");
  assert.equal(client.connected, false);
  await until(() => server.named("A")[0].closed, 2000, "the server to see EOF");
});

Deno.test("with adaptive on, the client pings at its own interval and lengthens it while pongs arrive", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 1000,
    timeout: 3000,
  });
  await using client = await connect({
    ...server.at,
    name: "A",
    adaptive: { min: 30, max: 120, step: 30, successesToStep: 2 },
  });
  assert.equal(client.interval, 30, "not welcome.interval");
  const log = record(client);
  await until(() => (client.interval ?? 0) >= 90, 3000, "two steps up");
  const steps = log.filter((e) => e.type === "adaptive").map((e) =>
    (e.detail as { change: string }).change
  );
  assert.ok(steps.includes("step_up"));
  const intervals = log.filter((e) => e.type === "interval").map((e) =>
    e.detail
  );
  assert.deepEqual(intervals[0], { interval: 60, reason: "adaptive" });
});

Deno.test("with adaptive on, the interval never exceeds the server's timeout minus its interval", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 50,
    timeout: 250,
  });
  await using client = await connect({
    ...server.at,
    name: "A",
    adaptive: { min: 50, max: 5000, step: 500, successesToStep: 1 },
  });
  await until(() => client.adaptive!.interval === 200, 3000, "the ceiling");
  assert.equal(client.interval, 200);
  // Pinging every 200 ms, the client stays alive against a 250 ms timeout.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(client.connected, true);
});

Deno.test("with adaptive on, behind a simulated NAT the client settles just below its idle timeout and stays connected", async () => {
  // The fake NAT forgets a peer idle for longer than natIdle: the late ping
  // and everything after it vanish, as behind a strict carrier NAT.
  const natIdle = 150;
  const lastSeen = new Map<unknown, number>();
  const blackholed = new Set<unknown>();
  await using server = await FakeServer.start({
    network,
    interval: 10,
    timeout: 300,
    answerPings: false,
    onFrame(frame, peer, srv) {
      const now = Date.now();
      const last = lastSeen.get(peer) ?? now;
      lastSeen.set(peer, now);
      if (now - last > natIdle) blackholed.add(peer);
      if (frame.type === "ping" && !blackholed.has(peer)) {
        srv.send(peer, { type: "pong", seq: frame.seq });
      }
    },
  });
  await using client = await connect({
    ...server.at,
    name: "A",
    reconnect: { initialDelay: 5 },
    adaptive: { min: 60, max: 600, step: 60, successesToStep: 2, backoff: 60 },
  });
  const log = record(client);
  await until(() => client.adaptive!.settled, 8000, "the interval to settle");
  const changes = log.filter((e) => e.type === "adaptive").map((e) =>
    e.detail as { change: string; interval: number; result: string }
  );
  assert.deepEqual(
    changes.filter((c) => c.change !== "none").map((
      c,
    ) => [c.change, c.interval]),
    [["step_up", 120], ["step_up", 180], ["back_off", 120]],
  );
  assert.equal(
    changes.filter((c) => c.result === "failure").length,
    2,
    `two connections were lost to the NAT: ${
      JSON.stringify(log.filter((e) => e.type !== "pong"))
    }`,
  );
  assert.equal(log.filter((e) => e.type === "dead").length, 2);
  await until(() => client.connected, 3000, "the reconnect");
  assert.equal(client.interval, 120, "settled below the NAT's 150 ms");
  const before = log.filter((e) => e.type === "disconnect").length;
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(client.connected, true, "and the connection holds");
  assert.equal(log.filter((e) => e.type === "disconnect").length, before);
});

Deno.test("with an injected clock and timers, pings go out exactly every interval and the server is declared dead exactly at the timeout", async () => {
  const time = new FakeTime(1_000_000);
  await using server = await FakeServer.start({
    network,
    interval: 100,
    timeout: 300,
  });
  await using client = await connect({
    ...server.at,
    name: "A",
    clock: time.clock,
    timers: time.timers,
  });
  const log = record(client);
  const peer = server.named("A")[0];
  const settle = () => new Promise((r) => setTimeout(r, 30));
  time.advance(99);
  await settle();
  assert.equal(pings(peer.frames).length, 0, "no ping before the interval");
  time.advance(1);
  await until(() => log.some((e) => e.type === "pong"), 2000, "the first pong");
  assert.equal(pings(peer.frames).length, 1, "a ping at exactly 100 ms");
  server.options.answerPings = false;
  time.advance(100);
  time.advance(100);
  await until(() => pings(peer.frames).length === 3, 2000, "pings 2 and 3");
  time.advance(99);
  assert.equal(
    log.some((e) => e.type === "dead"),
    false,
    "alive at 299 ms of silence",
  );
  time.advance(1);
  const dead = log.find((e) => e.type === "dead")?.detail;
  assert.deepEqual(dead, { silentFor: 300, timeout: 300, handshake: false });
  const retry = log.find((e) => e.type === "reconnecting")?.detail as {
    delay: number;
  };
  assert.ok(retry.delay < 500, "first retry jittered below initialDelay");
  assert.equal(time.pending, 1, "only the reconnect timer is waiting");
});

Deno.test("connect() rejects, rather than throws, on bad options or an aborted signal", async () => {
  await assert.rejects(connect({ name: "" }), TypeError);
  const controller = new AbortController();
  controller.abort(new Error("Stopped before starting"));
  await assert.rejects(
    connect({ name: "A", signal: controller.signal }),
    /Stopped before starting/,
  );
});
