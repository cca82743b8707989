import assert from "node:assert/strict";
import { type SessionHeartbeatDetail, startServer } from "../../server/mod.ts";
import {
  delay,
  FAST,
  keepPinging,
  RawClient,
  TRANSPORTS,
} from "../_helpers/server.ts";

function goFrame(type: number, content: string, owner: string): string {
  return JSON.stringify({ MessageType: type, Content: content, Owner: owner });
}

for (const transport of TRANSPORTS) {
  Deno.test(`Go-format frames split and glued across writes are accepted under their Owner (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    const beats: SessionHeartbeatDetail[] = [];
    server.addEventListener("heartbeat", (e) => beats.push(e.detail));
    await using go = await RawClient.connect(server.addr.port);
    const beat = goFrame(1, "ping", "gopher");
    // Three glued in one write, the first split inside the sniffed prefix.
    const glued = beat + beat + beat;
    await go.write(glued.slice(0, 5));
    await delay(20);
    await go.write(glued.slice(5, 60));
    await delay(20);
    await go.write(glued.slice(60));
    // One split in the middle of a string and at the closing brace.
    await delay(20);
    await go.write(beat.slice(0, 30));
    await delay(20);
    await go.write(beat.slice(30, -1));
    await delay(20);
    await go.write(beat.slice(-1) + beat);
    await go.until(() => beats.length === 5, 2000, "five heartbeats");
    assert.ok(
      beats.every((b) => b.client.name === "gopher" && b.seq === undefined),
    );
    assert.deepEqual(
      server.clients().map((c) => [c.name, c.protocol]),
      [["gopher", "go"]],
    );
  });

  Deno.test(`Go-format heartbeats keep a connection alive and it is never written to (${transport})`, async () => {
    await using server = await startServer({ port: 0, ...FAST, transport });
    let timedOut = "";
    server.addEventListener("timeout", (e) => {
      timedOut = e.detail.client?.name ?? "?";
    });
    await using b = await RawClient.hello(server.addr.port, "B", ["gopher"]);
    await using go = await RawClient.connect(server.addr.port);
    const beat = goFrame(1, "", "gopher");
    // Three timeouts' worth of heartbeats, each split in two writes.
    for (let i = 0; i < 10; i++) {
      await go.write(beat.slice(0, 20));
      await delay(40);
      await go.write(beat.slice(20));
      await delay(60);
      await b.send({ type: "ping", seq: i });
    }
    assert.equal(timedOut, "");
    assert.deepEqual(
      server.clients().map((c) => c.name).sort(),
      ["B", "gopher"],
    );
    // A plain message reaches the others as a msg from the Owner.
    await go.write(goFrame(0, "hello from go", "gopher"));
    const msg = await b.waitFor((f) => f.type === "msg");
    assert.deepEqual(msg, {
      type: "msg",
      from: "gopher",
      body: "hello from go",
    });
    await b.waitFor((f) =>
      f.type === "presence" && f.name === "gopher" && f.state === "online"
    );
    // Now silence from the Go side (B keeps pinging): swept like anyone,
    // and still never sent a byte.
    const stop = keepPinging(b, 60);
    try {
      await go.waitClosed(3000);
    } finally {
      stop();
    }
    assert.equal(timedOut, "gopher");
    assert.equal(go.bytesRead, 0);
    await b.waitFor((f) =>
      f.type === "presence" && f.name === "gopher" && f.state === "offline" &&
      f.reason === "timeout"
    );
  });

  Deno.test(`a Go-format connection with garbage or a bad Owner is closed without a word (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      ...FAST,
      maxInvalidFrames: 3,
      transport,
    });
    await using go = await RawClient.connect(server.addr.port);
    await go.write(goFrame(1, "", "has spaces") + "xyz");
    await go.waitClosed(2000);
    assert.equal(go.bytesRead, 0);
    assert.deepEqual(server.clients(), []);
  });
}

Deno.test("Go-format messages are held to the message rate: a flood reaches readers at most at the burst, then the flooder is closed", async () => {
  await using server = await startServer({
    port: 0,
    interval: 1000,
    timeout: 5000,
    msgRate: 20,
    msgBurst: 40,
  });
  await using reader = await RawClient.hello(server.addr.port, "R");
  await using go = await RawClient.connect(server.addr.port);
  // MessageType 0 is a plain message; 2 and up are relayed the same way.
  const flood = Array.from(
    { length: 300 },
    (_, i) => goFrame(i % 2 === 0 ? 0 : 2, `m${i}`, "gopher"),
  ).join("");
  await go.write(flood);
  await go.waitClosed(3000);
  await delay(100);
  const relayed = reader.frames.filter((f) => f.type === "msg").length;
  // The burst, and nothing past the strikes.
  assert.ok(relayed >= 40 && relayed <= 41, `relayed ${relayed}`);
  assert.equal(reader.eof, false);
  // It was never written to.
  assert.deepEqual(go.frames, []);
});
