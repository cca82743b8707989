import assert from "node:assert/strict";
import { startServer } from "../../server/mod.ts";
import { delay, RawClient, TRANSPORTS } from "../_helpers/server.ts";

const OPTIONS = {
  port: 0,
  interval: 100,
  timeout: 2000,
  minPingInterval: 50,
  maxPingStrikes: 2,
} as const;

for (const transport of TRANSPORTS) {
  Deno.test(`a ping flood gets too_many_pings, bye and a close while others are served (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using b = await RawClient.hello(server.addr.port, "B", ["A"]);
    await using a = await RawClient.hello(server.addr.port, "A");
    let flood = "";
    for (let seq = 1; seq <= 20; seq++) {
      flood += `{"type":"ping","seq":${seq}}\n`;
    }
    await a.write(flood);
    await a.waitClosed();
    const after = a.frames.filter((f) => f.type !== "welcome");
    // The first ping is free, two strikes are allowed, the next one ends it.
    assert.deepEqual(after.slice(0, 3), [
      { type: "pong", seq: 1 },
      { type: "pong", seq: 2 },
      { type: "pong", seq: 3 },
    ]);
    const error = after[3];
    assert.equal(error.type === "error" && error.code, "too_many_pings");
    assert.deepEqual(after[4], { type: "bye", reason: "too_many_pings" });
    assert.equal(after.length, 5);
    await b.send({ type: "ping", seq: 1 });
    await b.waitFor((f) => f.type === "pong");
    await b.waitFor((f) =>
      f.type === "presence" && f.name === "A" && f.state === "offline"
    );
  });

  Deno.test(`pings at the allowed rate, and an occasional early one, earn no close (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using a = await RawClient.hello(server.addr.port, "A");
    for (let seq = 1; seq <= 12; seq++) {
      await a.send({ type: "ping", seq });
      // Every third ping comes early (a strike), the others on time (with
      // room for a loaded machine delivering them late).
      await delay(seq % 3 === 0 ? 5 : 100);
    }
    await a.until(() =>
      a.frames.filter((f) => f.type === "pong").length === 12
    );
    assert.equal(a.frames.some((f) => f.type === "error"), false);
    assert.equal(a.eof, false);
  });

  Deno.test(`past max connections a client gets bye server_full with a retryAfter (${transport})`, async () => {
    await using server = await startServer({
      ...OPTIONS,
      maxConnections: 2,
      retryAfterMin: 500,
      retryAfterSpread: 1000,
      transport,
    });
    await using a = await RawClient.hello(server.addr.port, "A");
    const b = await RawClient.hello(server.addr.port, "B");
    await using c = await RawClient.connect(server.addr.port);
    await c.waitClosed();
    assert.equal(c.frames.length, 1);
    const bye = c.frames[0];
    assert.equal(bye.type === "bye" && bye.reason, "server_full");
    const retryAfter = bye.type === "bye" ? bye.retryAfter ?? -1 : -1;
    assert.ok(retryAfter >= 500 && retryAfter < 1500, `${retryAfter}`);
    // Room again once someone leaves.
    await b.close();
    await a.until(() => server.connectionCount === 1);
    await using d = await RawClient.hello(server.addr.port, "D");
    assert.deepEqual(server.clients().map((x) => x.name), ["A", "D"]);
    assert.equal(d.eof, false);
  });
}
