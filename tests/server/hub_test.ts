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

  Deno.test(`the others are told when a client comes online and when it closes (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    const closes: SessionCloseDetail[] = [];
    server.addEventListener("close", (e) => closes.push(e.detail));
    await using a = await RawClient.hello(server.addr.port, "A");
    const b = await RawClient.hello(server.addr.port, "B");
    await a.waitFor((f) =>
      f.type === "presence" && f.name === "B" && f.state === "online"
    );
    await b.close();
    await a.waitFor((f) =>
      f.type === "presence" && f.name === "B" && f.state === "offline"
    );
    assert.deepEqual(a.frames.filter((f) => f.type === "presence"), [
      { type: "presence", name: "B", state: "online" },
      { type: "presence", name: "B", state: "offline", reason: "closed" },
    ]);
    // B never hears about itself.
    assert.equal(b.frames.some((f) => f.type === "presence"), false);
    assert.deepEqual(closes.map((c) => [c.client.name, c.reason]), [
      ["B", "closed"],
    ]);
  });

  Deno.test(`a second client with the same name replaces the first, which gets bye replaced (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using watcher = await RawClient.hello(server.addr.port, "W");
    await using first = await RawClient.hello(server.addr.port, "A");
    await using second = await RawClient.hello(server.addr.port, "A");
    await first.waitClosed();
    assert.deepEqual(first.frames.at(-1), { type: "bye", reason: "replaced" });
    const clients = server.clients();
    assert.deepEqual(clients.map((c) => c.name), ["W", "A"]);
    const welcome = second.frames[0];
    assert.equal(clients[1].id, welcome.type === "welcome" ? welcome.id : "");
    await watcher.until(() =>
      watcher.frames.filter((f) => f.type === "presence").length === 3
    );
    assert.deepEqual(watcher.frames.filter((f) => f.type === "presence"), [
      { type: "presence", name: "A", state: "online" },
      { type: "presence", name: "A", state: "offline", reason: "replaced" },
      { type: "presence", name: "A", state: "online" },
    ]);
    // The new A is served.
    await second.send({ type: "ping", seq: 5 });
    await second.waitFor((f) => f.type === "pong");
  });

  Deno.test(`above the presence limit nobody is told about everybody (${transport})`, async () => {
    await using server = await startServer({
      ...OPTIONS,
      presenceLimit: 2,
      transport,
    });
    await using a = await RawClient.hello(server.addr.port, "A");
    await using b = await RawClient.hello(server.addr.port, "B");
    await a.waitFor((f) => f.type === "presence" && f.name === "B");
    await using c = await RawClient.hello(server.addr.port, "C");
    await c.send({ type: "msg", to: "A", body: "after C" });
    await a.waitFor((f) => f.type === "msg");
    assert.equal(
      a.frames.some((f) => f.type === "presence" && f.name === "C"),
      false,
    );
    assert.equal(b.eof, false);
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
