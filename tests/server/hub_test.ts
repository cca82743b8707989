import assert from "node:assert/strict";
import {
  type SessionCloseDetail,
  type SessionMessageDetail,
  startServer,
} from "../../server/mod.ts";
import { delay, RawClient, TRANSPORTS } from "../_helpers/server.ts";

const OPTIONS = { port: 0, interval: 1000, timeout: 5000 } as const;

for (const transport of TRANSPORTS) {
  Deno.test(`msg goes to the named client, or to everyone else without "to" (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    const messages: SessionMessageDetail[] = [];
    server.addEventListener("message", (e) => messages.push(e.detail));
    await using a = await RawClient.hello(server.addr.port, "A");
    await using b = await RawClient.hello(server.addr.port, "B");
    await using c = await RawClient.hello(server.addr.port, "C");
    await a.send({ type: "msg", to: "B", body: "just you" });
    await b.waitFor((f) => f.type === "msg");
    await a.send({ type: "msg", body: "everyone" });
    await c.waitFor((f) => f.type === "msg");
    await b.until(() => b.frames.filter((f) => f.type === "msg").length === 2);
    await delay(30);
    const msgs = (x: RawClient) => x.frames.filter((f) => f.type === "msg");
    assert.deepEqual(msgs(b), [
      { type: "msg", from: "A", body: "just you" },
      { type: "msg", from: "A", body: "everyone" },
    ]);
    assert.deepEqual(msgs(c), [{ type: "msg", from: "A", body: "everyone" }]);
    assert.deepEqual(msgs(a), []);
    assert.deepEqual(
      messages.map((m) => [m.from.name, m.to, m.body]),
      [["A", "B", "just you"], ["A", undefined, "everyone"]],
    );
  });

  Deno.test(`a watcher is told when the watched client comes online and when it closes, and nobody else is (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    const closes: SessionCloseDetail[] = [];
    server.addEventListener("close", (e) => closes.push(e.detail));
    await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
    await using c = await RawClient.hello(server.addr.port, "C");
    const b = await RawClient.hello(server.addr.port, "B");
    await a.waitFor((f) =>
      f.type === "presence" && f.name === "B" && f.state === "online"
    );
    await b.send({ type: "bye" });
    await b.waitClosed();
    await a.waitFor((f) =>
      f.type === "presence" && f.name === "B" && f.state === "offline" &&
      f.reason === "closed"
    );
    assert.deepEqual(a.frames.filter((f) => f.type === "presence"), [
      { type: "presence", name: "B", state: "offline" },
      { type: "presence", name: "B", state: "online" },
      { type: "presence", name: "B", state: "offline", reason: "closed" },
    ]);
    // Neither B nor C watches anyone: they hear about nobody.
    assert.equal(b.frames.some((f) => f.type === "presence"), false);
    assert.equal(c.frames.some((f) => f.type === "presence"), false);
    assert.deepEqual(closes.map((c) => [c.client.name, c.reason]), [
      ["B", "closed"],
    ]);
  });

  Deno.test(`a second client with the same name replaces the first, which gets bye replaced (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using watcher = await RawClient.hello(server.addr.port, "W", ["A"]);
    await using first = await RawClient.hello(server.addr.port, "A");
    await watcher.waitFor((f) => f.type === "presence" && f.state === "online");
    await using second = await RawClient.hello(server.addr.port, "A");
    await first.waitClosed();
    assert.deepEqual(first.frames.at(-1), { type: "bye", reason: "replaced" });
    const clients = server.clients();
    assert.deepEqual(clients.map((c) => c.name), ["W", "A"]);
    const welcome = second.frames[0];
    assert.equal(clients[1].id, welcome.type === "welcome" ? welcome.id : "");
    assert.equal(clients[1].watchers, 1);
    assert.equal(clients[0].watching, 1);
    // The new A is served, and for its watcher A never went offline.
    await second.send({ type: "ping", seq: 5 });
    await second.waitFor((f) => f.type === "pong");
    await delay(50);
    assert.deepEqual(watcher.frames.filter((f) => f.type === "presence"), [
      { type: "presence", name: "A", state: "offline" },
      { type: "presence", name: "A", state: "online" },
    ]);
  });
}

for (const transport of TRANSPORTS) {
  Deno.test(`writes to one client never interleave, and each sender's order holds (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using r = await RawClient.hello(server.addr.port, "R");
    const senders: RawClient[] = [];
    for (let s = 0; s < 3; s++) {
      senders.push(await RawClient.hello(server.addr.port, `S${s}`));
    }
    try {
      await Promise.all(senders.map(async (sender, s) => {
        for (let i = 0; i < 150; i++) {
          const body = `${s}:${i}:` +
            "abcdefgh".repeat((i * 37 + s * 11) % 300);
          await sender.send({ type: "msg", to: "R", body });
        }
      }));
      await r.until(
        () => r.frames.filter((f) => f.type === "msg").length === 450,
        10_000,
        "450 messages",
      );
      for (let s = 0; s < 3; s++) {
        const order = r.frames.flatMap((f) =>
          f.type === "msg" && f.from === `S${s}`
            ? [Number(f.body.split(":")[1])]
            : []
        );
        assert.deepEqual(order, Array.from({ length: 150 }, (_, i) => i));
      }
    } finally {
      for (const sender of senders) await sender.close();
    }
  });
}
