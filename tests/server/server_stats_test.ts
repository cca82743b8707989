import assert from "node:assert/strict";
import { detectionBuckets, startServer } from "../../server/mod.ts";
import {
  FAST,
  keepPinging,
  RawClient,
  TRANSPORTS,
} from "../_helpers/server.ts";

for (const transport of TRANSPORTS) {
  Deno.test(`stats() counts connections, heartbeats, frames, timeouts, disconnects and presence as they happen (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    const port = server.addr.port;
    const before = server.stats();
    assert.equal(before.state, "serving");
    assert.deepEqual(before.connections, { lifeline: 0, go: 0 });

    const watcher = await RawClient.hello(port, "W", ["A"]);
    const stopW = keepPinging(watcher, 50);
    const a = await RawClient.hello(port, "A");
    await a.send({ type: "ping", seq: 1 });
    await a.send({ type: "ping", seq: 2 });
    await a.waitFor((f) => f.type === "pong" && f.seq === 2);
    await a.send({ type: "msg", to: "W", body: "hi" });
    await a.write("not json\n");
    await a.waitFor((f) => f.type === "error");
    const go = await Deno.connect({ hostname: "127.0.0.1", port });
    await go.write(new TextEncoder().encode(
      '{"MessageType":1,"Content":"ping","Owner":"G"}',
    ));
    await watcher.waitFor((f) => f.type === "msg");
    const deadline = Date.now() + 3000;
    while (server.stats().connections.go === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const mid = server.stats();
    assert.deepEqual(mid.connections, { lifeline: 2, go: 1 });
    assert.equal(mid.accepted, 3);
    assert.equal(mid.frames.hello, 2);
    assert.ok(mid.frames.ping >= 2);
    assert.equal(mid.frames.msg, 1);
    assert.equal(mid.frames.watch, 1);
    assert.equal(mid.frames.invalid, 1);
    assert.equal(mid.frames.go_heartbeat, 1);
    assert.equal(mid.heartbeats, mid.frames.ping + 1);
    assert.equal(mid.presence.online, 1); // A came online for W

    // A and G go silent: two timeouts, each detected within timeout + tick.
    await a.waitClosed(3000);
    while (server.stats().timeouts < 2 && Date.now() < deadline + 3000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const after = server.stats();
    assert.equal(after.timeouts, 2);
    assert.equal(after.disconnects.timeout, 2);
    assert.deepEqual(after.connections, { lifeline: 1, go: 0 });
    assert.equal(after.presence.offline, 1);
    const detection = after.detection;
    assert.deepEqual(
      detection.bounds,
      detectionBuckets(FAST.timeout, FAST.tick),
    );
    assert.equal(detection.count, 2);
    assert.equal(detection.counts.reduce((x, y) => x + y), 2);
    assert.ok(detection.sum >= 2 * FAST.timeout, String(detection.sum));
    // Nothing below the timeout: a connection is never dropped early.
    const belowTimeout = detection.bounds.findIndex((b) => b >= FAST.timeout);
    assert.equal(
      detection.counts.slice(0, belowTimeout).reduce((x, y) => x + y, 0),
      0,
    );
    assert.ok(after.sweep.count > 0, "the liveness sweeps are timed");

    stopW();
    await watcher.send({ type: "bye" });
    await watcher.waitClosed();
    await watcher.close();
    await a.close();
    go.close();
    while (
      server.stats().disconnects.closed < 1 && Date.now() < deadline + 6000
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(server.stats().disconnects.closed, 1);
  });
}

Deno.test("stats() counts refused connections by reason and ends in the stopped state", async () => {
  const server = await startServer({
    port: 0,
    ...FAST,
    maxConnections: 1,
    shutdownGrace: 100,
  });
  const a = await RawClient.hello(server.addr.port, "A");
  const b = await RawClient.connect(server.addr.port);
  await b.waitFor((f) => f.type === "bye");
  assert.deepEqual(server.stats().refused, { server_full: 1, shutdown: 0 });
  assert.equal(server.stats().accepted, 2);
  await server.close();
  await Promise.all([a.close(), b.close()]);
  const stats = server.stats();
  assert.equal(stats.state, "stopped");
  assert.equal(stats.disconnects.shutdown, 1);
  assert.deepEqual(stats.connections, { lifeline: 0, go: 0 });
});

Deno.test("detectionBuckets() has the bound timeout + tick as a bucket and stays sorted without duplicates", () => {
  const bounds = detectionBuckets(15000, 1000);
  assert.ok(bounds.includes(16000));
  assert.deepEqual(bounds, [...new Set(bounds)].sort((x, y) => x - y));
  assert.ok(bounds.includes(15000));
});
