import assert from "node:assert/strict";
import { startServer } from "../server/mod.ts";
import { RawClient, TRANSPORTS } from "./server_test_helpers.ts";

for (const transport of TRANSPORTS) {
  Deno.test(`hello gets welcome with the heartbeat policy (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      interval: 100,
      timeout: 400,
      transport,
    });
    await using a = await RawClient.connect(server.addr.port);
    await a.send({ type: "hello", name: "A" });
    const welcome = await a.waitFor((f) => f.type === "welcome");
    assert.deepEqual(welcome, {
      type: "welcome",
      id: welcome.type === "welcome" ? welcome.id : "",
      interval: 100,
      timeout: 400,
    });
    assert.deepEqual(server.clients().map((c) => c.name), ["A"]);
    await a.send({ type: "ping", seq: 7 });
    await a.waitFor((f) => f.type === "pong" && f.seq === 7);
  });
}
