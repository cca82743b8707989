import assert from "node:assert/strict";
import { connect, LifelineClient } from "../../client/mod.ts";
import type { PingFrame } from "../../protocol/mod.ts";
import { memoryNetwork } from "../../transport/mod.ts";
import { FakeServer, nextEvent, until } from "./_fake_server.ts";

// wake(): what a page (or a process) calls when it comes back, so that the
// client checks at once instead of at its next timer.
const network = memoryNetwork();

function pings(frames: { type: string }[]): PingFrame[] {
  return frames.filter((f): f is PingFrame => f.type === "ping");
}

Deno.test("wake() on a live connection pings at once, but not twice within half an interval", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 2000,
    timeout: 6000,
  });
  await using client = await connect({ ...server.at, name: "A" });
  const peer = server.named("A")[0];
  // Past half an interval, well before the ping due at 2 s.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(pings(peer.frames).length, 0);
  client.wake();
  await until(() => pings(peer.frames).length === 1, 300, "the probe");
  client.wake();
  client.wake();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(pings(peer.frames).length, 1);
});

Deno.test("wake() declares a server dead at once when it has been silent past its timeout, instead of at the next tick", async () => {
  let now = 1_000_000;
  await using server = await FakeServer.start({
    network,
    interval: 10_000,
    timeout: 30_000,
  });
  await using client = await connect({
    ...server.at,
    name: "A",
    clock: { now: () => now },
    tick: 60_000,
    reconnect: { initialDelay: 10 },
  });
  server.options.answerPings = false;
  // The laptop slept: the clock jumped, and no timer is due for 10 s.
  now += 60_000;
  const dead = nextEvent(client, "dead", 500);
  client.wake();
  assert.equal((await dead).silentFor, 60_000);
});

Deno.test("wake() while waiting to reconnect brings the attempt forward to a first-attempt delay", async () => {
  const client = new LifelineClient({
    name: "A",
    port: 1,
    dialer: network.dialer,
    reconnect: { initialDelay: 50, maxDelay: 60_000, factor: 10 },
  });
  try {
    // Let the delays grow past the first attempt's range.
    let last = await nextEvent(client, "reconnecting", 1000);
    while (last.delay < 1000) {
      last = await nextEvent(client, "reconnecting", 5000);
    }
    const attempt = last.attempt;
    const woken = nextEvent(client, "reconnecting", 1000);
    client.wake();
    const again = await woken;
    assert.equal(again.woken, true);
    assert.equal(again.attempt, attempt);
    assert.ok(again.delay < 50, `${again.delay} ms`);
    const connecting = await nextEvent(client, "connecting", 500);
    assert.equal(connecting.attempt, attempt);
  } finally {
    await client.close();
  }
});

Deno.test("wake() never brings an attempt before the server's retryAfter", async () => {
  await using server = await FakeServer.start({
    network,
    interval: 1000,
    timeout: 5000,
  });
  await using client = await connect({ ...server.at, name: "A" });
  const peer = server.named("A")[0];
  const scheduled = nextEvent(client, "reconnecting", 1000);
  server.send(peer, { type: "bye", reason: "shutdown", retryAfter: 800 });
  const first = await scheduled;
  assert.ok(first.delay >= 800);
  let woken = false;
  client.addEventListener("reconnecting", () => woken = true);
  client.wake();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(woken, false, "a wait that is only the server's floor stays");
});
