import assert from "node:assert/strict";
import { type SessionTimeoutDetail, startServer } from "../../server/mod.ts";
import {
  delay,
  FakeTime,
  FAST,
  keepPinging,
  RawClient,
  TRANSPORTS,
} from "../_helpers/server.ts";

// Timers on a loaded machine fire late; the bound itself is exact in the
// registry's injected-clock tests.
const SLACK = 400;

for (const transport of TRANSPORTS) {
  Deno.test(`after hello any complete frame refreshes liveness, not only pings (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    await using a = await RawClient.hello(server.addr.port, "A");
    // Messages (to nobody else) and watch frames, never a ping, for more
    // than three timeouts.
    for (let i = 0; i < 10; i++) {
      await delay(100);
      await a.send(
        i % 2 === 0
          ? { type: "msg", body: `m${i}` }
          : { type: "watch", names: ["X"] },
      );
    }
    assert.equal(a.eof, false);
    assert.equal(a.frames.some((f) => f.type === "bye"), false);
    assert.deepEqual(server.clients().map((c) => c.name), ["A"]);
  });

  Deno.test(`before hello only a hello is a sign of life: other frames keep no connection alive (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      ...FAST,
      maxInvalidFrames: 100,
      transport,
    });
    await using a = await RawClient.connect(server.addr.port);
    const started = performance.now();
    const beat = setInterval(() => {
      a.send({ type: "ping", seq: 1 }).catch(() => {});
    }, 50);
    try {
      await a.waitClosed(3000);
    } finally {
      clearInterval(beat);
    }
    const took = performance.now() - started;
    assert.ok(took < FAST.timeout + FAST.tick + 200, `closed after ${took}ms`);
    assert.ok(
      a.frames.some((f) => f.type === "error" && f.code === "hello_required"),
    );
  });

  Deno.test(`a silent client is swept within timeout + tick and the others are told why (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    const timeouts: SessionTimeoutDetail[] = [];
    server.addEventListener("timeout", (e) => timeouts.push(e.detail));
    await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
    const stop = keepPinging(a, 80);
    try {
      await using b = await RawClient.hello(server.addr.port, "B");
      const lastSent = performance.now();
      const bye = await b.waitFor((f) => f.type === "bye", 3000);
      assert.deepEqual(bye, { type: "bye", reason: "timeout" });
      await b.waitClosed();
      const observed = performance.now() - lastSent;
      await a.waitFor((f) =>
        f.type === "presence" && f.name === "B" && f.state === "offline"
      );
      const offline = a.frames.findLast((f) =>
        f.type === "presence" && f.state === "offline"
      );
      assert.deepEqual(offline, {
        type: "presence",
        name: "B",
        state: "offline",
        reason: "timeout",
      });
      assert.equal(timeouts.length, 1);
      assert.equal(timeouts[0].client?.name, "B");
      const silent = timeouts[0].silentMs;
      console.log(
        `detection (${transport}): server saw ${
          silent.toFixed(1)
        }ms of silence, client saw bye after ${
          observed.toFixed(1)
        }ms; bound timeout + tick = ${FAST.timeout + FAST.tick}ms`,
      );
      assert.ok(silent >= FAST.timeout, `swept early after ${silent}ms`);
      assert.ok(
        silent <= FAST.timeout + FAST.tick + SLACK,
        `swept late after ${silent}ms`,
      );
      // A kept being served throughout.
      assert.equal(a.eof, false);
      assert.deepEqual(server.clients().map((c) => c.name), ["A"]);
    } finally {
      stop();
    }
  });

  Deno.test(`a connection that never sends anything is swept (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    const timeouts: SessionTimeoutDetail[] = [];
    server.addEventListener("timeout", (e) => timeouts.push(e.detail));
    await using mute = await RawClient.connect(server.addr.port);
    const start = performance.now();
    await mute.waitClosed(3000);
    const elapsed = performance.now() - start;
    assert.deepEqual(mute.frames, [{ type: "bye", reason: "timeout" }]);
    assert.equal(timeouts.length, 1);
    assert.equal(timeouts[0].client, null);
    assert.ok(timeouts[0].silentMs >= FAST.timeout);
    assert.ok(elapsed <= FAST.timeout + FAST.tick + SLACK, `${elapsed}ms`);
    assert.equal(server.connectionCount, 0);
  });

  Deno.test(`a client trickling a frame it never finishes is swept like a silent one (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    await using t = await RawClient.hello(server.addr.port, "T");
    const helloAt = performance.now();
    const partial = '{"type":"ping","seq":1234567890123';
    for (let i = 0; i < partial.length && !t.eof; i++) {
      await t.write(partial[i]);
      await delay(25);
    }
    await t.waitClosed(3000);
    const elapsed = performance.now() - helloAt;
    assert.ok(
      t.frames.some((f) => f.type === "bye" && f.reason === "timeout"),
      JSON.stringify(t.frames),
    );
    assert.ok(elapsed < FAST.timeout + FAST.tick + SLACK, `${elapsed}ms`);
    // The trickle lasted longer than the timeout, so it was not the bytes
    // that kept it alive.
    assert.ok(elapsed >= FAST.timeout);
  });
}

Deno.test("with an injected clock and timers, a silent client is swept exactly at the first tick boundary after its timeout", async () => {
  const time = new FakeTime(1_000_000);
  await using server = await startServer({
    port: 0,
    interval: 1000,
    timeout: 3000,
    tick: 500,
    clock: time.clock,
    timers: time.timers,
  });
  const timeouts: SessionTimeoutDetail[] = [];
  server.addEventListener("timeout", (e) => timeouts.push(e.detail));
  time.advanceTo(1_000_120);
  await using a = await RawClient.hello(server.addr.port, "A");
  // Last frame at 1,000,120: deadline 1,003,120, next tick 1,003,500.
  time.advanceTo(1_003_499);
  await delay(20);
  assert.equal(timeouts.length, 0);
  assert.equal(a.eof, false);
  time.advanceTo(1_003_500);
  await a.waitClosed();
  assert.deepEqual(a.frames.at(-1), { type: "bye", reason: "timeout" });
  assert.equal(timeouts.length, 1);
  assert.equal(timeouts[0].silentMs, 3380);
});

Deno.test("session times survive the move to a later epoch after 2^30 ms of uptime", async () => {
  const start = 1_000_000;
  const time = new FakeTime(start);
  await using server = await startServer({
    port: 0,
    interval: 1000,
    timeout: 3000,
    tick: 500,
    minPingInterval: 0,
    clock: time.clock,
    timers: time.timers,
  });
  const timeouts: SessionTimeoutDetail[] = [];
  server.addEventListener("timeout", (e) => timeouts.push(e.detail));
  time.advanceTo(start + 120);
  await using a = await RawClient.hello(server.addr.port, "A");
  time.advanceTo(start + 250);
  await using b = await RawClient.hello(server.addr.port, "B");
  // Twelve and a half days later, without a sweep in between: A's ping
  // moves the epoch, and B's times move with it.
  const later = start + 2 ** 30 + 777;
  time.now = later;
  await a.send({ type: "ping", seq: 1 });
  await a.waitFor((f) => f.type === "pong");
  const byName = new Map(server.clients().map((c) => [c.name, c]));
  assert.equal(byName.get("A")?.connectedAt, start + 120);
  assert.equal(byName.get("A")?.lastSeenAt, later);
  assert.equal(byName.get("B")?.connectedAt, start + 250);
  assert.equal(byName.get("B")?.lastSeenAt, start + 250);
  await b.close();
  await delay(50);
  // The sweep still measures silence from the right time.
  time.advanceTo(later + 3000 + 500);
  await a.waitClosed();
  assert.equal(timeouts.length, 1);
  assert.equal(timeouts[0].silentMs, 3000 + 500 - (later % 500));
});
