import assert from "node:assert/strict";
import { type SessionCloseDetail, startServer } from "../../server/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";

for (const transport of TRANSPORTS) {
  Deno.test(`hello gets welcome with the heartbeat policy and a unique id (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      interval: 100,
      timeout: 400,
      transport,
    });
    assert.equal(server.transport.name, transport.name);
    await using a = await RawClient.connect(server.addr.port);
    await a.send({ type: "hello", name: "A" });
    const welcome = await a.waitFor((f) => f.type === "welcome");
    assert.ok(welcome.type === "welcome");
    assert.deepEqual(welcome, {
      type: "welcome",
      id: welcome.id,
      interval: 100,
      timeout: 400,
    });
    await using b = await RawClient.hello(server.addr.port, "B");
    const other = b.frames[0];
    assert.ok(other.type === "welcome" && other.id !== welcome.id);
    const [infoA, infoB] = server.clients();
    assert.equal(infoA.name, "A");
    assert.equal(infoA.id, welcome.id);
    assert.equal(infoA.protocol, "lifeline");
    assert.equal(infoA.remoteAddr.hostname, "127.0.0.1");
    assert.equal(
      infoA.remoteAddr.port,
      (a.conn.localAddr as Deno.NetAddr).port,
    );
    assert.ok(infoA.lastSeenAt >= infoA.connectedAt);
    assert.equal(infoB.name, "B");
  });

  Deno.test(`every ping gets a pong with its seq at once, in order (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      interval: 100,
      timeout: 1000,
      minPingInterval: 0,
      transport,
    });
    await using a = await RawClient.hello(server.addr.port, "A");
    // Pipelined in one write, and one by one.
    let batch = "";
    for (let seq = 1; seq <= 50; seq++) {
      batch += `{"type":"ping","seq":${seq}}\n`;
    }
    await a.write(batch);
    for (let seq = 51; seq <= 60; seq++) {
      await a.send({ type: "ping", seq });
      await a.waitFor((f) => f.type === "pong" && f.seq === seq);
    }
    const seqs = a.frames.flatMap((f) => f.type === "pong" ? [f.seq] : []);
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1));
    // A ping in a non-canonical form takes the slow path, same answer.
    await a.write('{ "seq": 61, "type": "ping" }\n');
    await a.waitFor((f) => f.type === "pong" && f.seq === 61);
  });

  Deno.test(`the server dispatches connect, heartbeat, message and close events (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      interval: 100,
      timeout: 1000,
      transport,
    });
    const seen: string[] = [];
    server.addEventListener("connect", (e) => {
      seen.push(`connect ${e.detail.name} ${e.detail.protocol}`);
    });
    server.addEventListener("heartbeat", (e) => {
      seen.push(`heartbeat ${e.detail.client.name} ${e.detail.seq}`);
    });
    server.addEventListener("message", (e) => {
      seen.push(
        `message ${e.detail.from.name} ${e.detail.to} ${e.detail.body}`,
      );
    });
    const onClose = (e: CustomEvent<SessionCloseDetail>) => {
      seen.push(`close ${e.detail.client.name} ${e.detail.reason}`);
    };
    server.addEventListener("close", onClose);
    const a = await RawClient.hello(server.addr.port, "A");
    await a.send({ type: "ping", seq: 3 });
    await a.send({ type: "msg", body: "hi" });
    await a.waitFor((f) => f.type === "pong");
    await a.close();
    await a.until(() => seen.length === 4);
    assert.deepEqual(seen, [
      "connect A lifeline",
      "heartbeat A 3",
      "message A undefined hi",
      "close A closed",
    ]);
    server.removeEventListener("close", onClose);
    const b = await RawClient.hello(server.addr.port, "B");
    await b.close();
    await b.until(() => server.connectionCount === 0);
    assert.equal(seen.length, 5);
  });
}

Deno.test("the server listens on IPv6 loopback too", async (t) => {
  let probe: Deno.TcpListener;
  try {
    probe = Deno.listen({ hostname: "::1", port: 0 });
  } catch {
    console.log("skipped: no IPv6 loopback here");
    return;
  }
  probe.close();
  for (const transport of TRANSPORTS) {
    await t.step(transport.label, async () => {
      await using server = await startServer({
        hostname: "::1",
        port: 0,
        transport,
      });
      assert.equal(server.addr.hostname, "::1");
      const conn = await Deno.connect({
        hostname: "::1",
        port: server.addr.port,
      });
      await conn.write(
        new TextEncoder().encode('{"type":"hello","name":"six"}\n'),
      );
      const buffer = new Uint8Array(256);
      const n = await conn.read(buffer);
      assert.match(
        new TextDecoder().decode(buffer.subarray(0, n ?? 0)),
        /"welcome"/,
      );
      // An IPv6 peer is kept as text (IPv4 ones are packed into an integer).
      const [info] = server.clients();
      assert.equal(info.remoteAddr.hostname, "::1");
      assert.equal(info.remoteAddr.port, (conn.localAddr as Deno.NetAddr).port);
      conn.close();
    });
  }
});

Deno.test("startServer() rejects bad options with a RangeError", async () => {
  await assert.rejects(() => startServer({ port: 70000 }), RangeError);
  await assert.rejects(() => startServer({ port: 0, timeout: 0 }), RangeError);
  await assert.rejects(() => startServer({ port: 0, tick: -5 }), RangeError);
  await assert.rejects(
    () => startServer({ port: 0, maxFrameBytes: 1.5 }),
    RangeError,
  );
});
