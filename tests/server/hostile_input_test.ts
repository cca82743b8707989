// Hostile input against the server, each attack with 20 well-behaved
// witnesses pinging throughout: none of them may be dropped.
import assert from "node:assert/strict";
import { startServer } from "../../server/mod.ts";
import { delay, RawClient, TRANSPORTS } from "../_helpers/server.ts";
import { Witnesses } from "../_helpers/witnesses.ts";

const OPTIONS = {
  port: 0,
  interval: 200,
  timeout: 1500,
  tick: 50,
  minPingInterval: 0,
} as const;

for (const transport of TRANSPORTS) {
  Deno.test(`slow headers: trickled and unknown frames before hello keep no connection alive (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    const witnesses = await Witnesses.start(server.addr.port, { everyMs: 200 });
    const trickle = '{"type":"hello","name":"slow"';
    const slow = await Promise.all(
      Array.from({ length: 50 }, () => RawClient.connect(server.addr.port)),
    );
    const chatty = await Promise.all(
      Array.from({ length: 20 }, () => RawClient.connect(server.addr.port)),
    );
    const started = performance.now();
    let i = 0;
    const attack = setInterval(() => {
      const byte = trickle[i++ % trickle.length];
      for (const c of slow) c.write(byte).catch(() => {});
      // Unknown types before hello: counted, and no sign of life.
      for (const c of chatty) c.send({ type: "dance", i }).catch(() => {});
    }, 100);
    try {
      await Promise.all(chatty.map((c) => c.waitClosed(3000)));
      assert.ok(
        chatty.every((c) =>
          c.frames.some((f) => f.type === "error" && f.code === "unknown_type")
        ),
      );
      await Promise.all(slow.map((c) => c.waitClosed(5000)));
      const took = performance.now() - started;
      // Swept at the timeout (plus a tick), not kept alive by the trickle.
      assert.ok(took < OPTIONS.timeout + OPTIONS.tick + 1500, `${took}ms`);
    } finally {
      clearInterval(attack);
      await Promise.all([...slow, ...chatty].map((c) => c.close()));
    }
    const report = await witnesses.stop();
    assert.deepEqual(report.dropped, [], JSON.stringify(report));
    assert.ok(report.pongs >= report.pings * 0.95, JSON.stringify(report));
  });

  Deno.test(`oversize frames are cut at the limit, and errors never echo much of what they refuse (${transport})`, async () => {
    await using server = await startServer({
      ...OPTIONS,
      maxFrameBytes: 4096,
      transport,
    });
    const witnesses = await Witnesses.start(server.addr.port, { everyMs: 200 });
    const big = await Promise.all(
      Array.from({ length: 10 }, () => RawClient.connect(server.addr.port)),
    );
    for (const c of big) c.write("x".repeat(100_000)).catch(() => {});
    await Promise.all(big.map((c) => c.waitClosed()));
    assert.ok(big.every((c) => c.frames.at(-1)?.type === "bye"));
    await using keys = await RawClient.hello(server.addr.port, "keys");
    const frame: Record<string, unknown> = { type: "ping", seq: 1 };
    for (let k = 0; k < 300; k++) frame[`key${k}`] = k;
    await keys.send(frame);
    const error = await keys.waitFor((f) => f.type === "error");
    assert.ok(error.type === "error" && error.message.length <= 300);
    await Promise.all(big.map((c) => c.close()));
    const report = await witnesses.stop();
    assert.deepEqual(report.dropped, [], JSON.stringify(report));
  });

  Deno.test(`a broadcast flood at the default limits is rate-limited and evicts no reader (${transport})`, async () => {
    // The default rates: 100 messages and 256 KiB a second, so 10 KiB
    // messages are held by the byte rate (a burst of 512 KiB, half a
    // reader's write limit) before the message count.
    await using server = await startServer({
      ...OPTIONS,
      timeout: 3000,
      transport,
    });
    const witnesses = await Witnesses.start(server.addr.port, { everyMs: 200 });
    await using flooder = await RawClient.hello(server.addr.port, "flood");
    const body = "z".repeat(10_000);
    const line = JSON.stringify({ type: "msg", body }) + "\n";
    const stopAt = performance.now() + 3000;
    let sent = 0;
    while (performance.now() < stopAt && !flooder.eof) {
      await flooder.write(line.repeat(20)).catch(() => {});
      sent += 20;
      await delay(1);
    }
    const report = await witnesses.stop();
    assert.deepEqual(report.dropped, [], JSON.stringify(report));
    assert.ok(report.pongs >= report.pings * 0.9, JSON.stringify(report));
    // The flooder was told, then shown the door.
    assert.ok(
      flooder.frames.some((f) =>
        f.type === "error" && f.code === "rate_limited"
      ),
    );
    await flooder.waitClosed(3000);
    assert.deepEqual(flooder.frames.at(-1), {
      type: "bye",
      reason: "rate_limited",
    });
    // More than the burst went out, so the limit was met.
    assert.ok(sent > 60, `the flood sent ${sent} messages`);
  });

  Deno.test(`readers keep up with a sender at the permitted rate, and none is dropped (${transport})`, async () => {
    await using server = await startServer({
      ...OPTIONS,
      timeout: 3000,
      msgRate: 50,
      transport,
    });
    const witnesses = await Witnesses.start(server.addr.port, { everyMs: 200 });
    await using sender = await RawClient.hello(server.addr.port, "sender");
    const body = "z".repeat(10_000);
    for (let i = 0; i < 100; i++) {
      await sender.send({ type: "msg", body });
      await delay(20);
    }
    const report = await witnesses.stop();
    assert.deepEqual(report.dropped, [], JSON.stringify(report));
    assert.equal(sender.eof, false);
    assert.ok(
      !sender.frames.some((f) => f.type === "error"),
      JSON.stringify(sender.frames.filter((f) => f.type === "error")),
    );
  });
}

Deno.test("without auth any client can take over a name, as docs/security.md says", async () => {
  // The baseline for the auth test: without --auth anyone may take any name,
  // which docs/security.md says plainly.
  await using server = await startServer({ ...OPTIONS });
  await using victim = await RawClient.hello(server.addr.port, "V");
  await using thief = await RawClient.hello(server.addr.port, "V");
  await victim.waitClosed();
  assert.deepEqual(victim.frames.at(-1), { type: "bye", reason: "replaced" });
  assert.equal(thief.eof, false);
});
