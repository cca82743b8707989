// The client against servers that lie or babble: what a server says is
// checked against the client's bounds (docs/security.md), and garbage is
// never taken for a sign of life.
import assert from "node:assert/strict";
import { LifelineClient } from "../../client/mod.ts";
import { type MemoryNetwork, memoryNetwork } from "../../transport/mod.ts";
import { FakeServer, record, until } from "./_fake_server.ts";

type Log = ReturnType<typeof record>;

function count(log: Log, type: string, code?: string): number {
  return log.filter((e) =>
    e.type === type &&
    (code === undefined ||
      (e.detail as { code?: string; reason?: string }).code === code ||
      (e.detail as { code?: string; reason?: string }).reason === code)
  ).length;
}

/** A client with the default bounds on the fake server's network. */
function client(
  network: MemoryNetwork,
  port: number,
  options: Partial<ConstructorParameters<typeof LifelineClient>[0]> = {},
): LifelineClient {
  return new LifelineClient({
    name: "A",
    port,
    dialer: network.dialer,
    reconnect: { initialDelay: 100, maxDelay: 200 },
    ...options,
  });
}

Deno.test("a bye whose retryAfter overflows setTimeout is a protocol error, and the client reconnects at its backoff's pace", async () => {
  const network = memoryNetwork();
  await using server = await FakeServer.start({
    network,
    interval: 1000,
    timeout: 3000,
    onFrame(frame, peer, fake) {
      if (frame.type === "hello") {
        fake.send(peer, {
          type: "bye",
          reason: "shutdown",
          retryAfter: 2 ** 31,
        });
      }
    },
  });
  await using a = client(network, server.port);
  const log = record(a);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  // 2^31 ms became a delay of 1 ms: about 250 connections a second. The
  // backoff (100 ms, then 200 ms, full jitter) allows some tens at most.
  assert.ok(
    server.peers.length < 40,
    `${server.peers.length} connections in 1 s`,
  );
  assert.ok(count(log, "disconnect", "protocol_error") > 0);
  const error = log.find((e) => e.type === "error")?.detail as {
    code: string;
    message: string;
  };
  assert.equal(error.code, "invalid_server_frame");
  assert.match(error.message, /Cannot accept bye retryAfter "596h 31min 24s"/);
  assert.equal(
    log.some((e) =>
      e.type === "reconnecting" &&
      (e.detail as { retryAfter?: number }).retryAfter !== undefined
    ),
    false,
    "the hint is ignored",
  );
});

Deno.test("a welcome out of bounds is a protocol error: no ping storm, no endless patience", async (t) => {
  const cases = [
    {
      interval: 1,
      timeout: 3000,
      why: /welcome interval "1ms": expected 100ms to 1h/,
    },
    {
      interval: 1000,
      timeout: 1e12,
      why: /welcome timeout "277777h 46min 40s"/,
    },
    { interval: 1000, timeout: 1000, why: /expected more than the interval/ },
    { interval: 2 * 3_600_000, timeout: 3 * 3_600_000, why: /interval "2h"/ },
  ];
  for (const { interval, timeout, why } of cases) {
    await t.step(`interval ${interval}, timeout ${timeout}`, async () => {
      const network = memoryNetwork();
      await using server = await FakeServer.start({
        network,
        interval,
        timeout,
      });
      await using a = client(network, server.port);
      const log = record(a);
      await until(() => count(log, "disconnect", "protocol_error") >= 1, 2000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pings = server.peers.flatMap((p) =>
        p.frames
      ).filter((f) => f.type === "ping").length;
      // With interval 1 the client used to ping 760 times a second.
      assert.equal(pings, 0);
      assert.equal(count(log, "welcome"), 0);
      const error = log.find((e) => e.type === "error")?.detail as {
        message: string;
      };
      assert.match(error.message, why);
    });
  }
});

Deno.test("a server that sends garbage is cut after three invalid lines, with three error events, and reconnected with backoff", async () => {
  const network = memoryNetwork();
  const garbage = "not json\n".repeat(1000);
  const timers: ReturnType<typeof setInterval>[] = [];
  await using server = await FakeServer.start({
    network,
    interval: 1000,
    timeout: 3000,
    onFrame(frame, peer) {
      if (frame.type !== "hello") return;
      const timer = setInterval(() => {
        if (peer.closed) clearInterval(timer);
        else peer.conn.write(garbage);
      }, 10);
      timers.push(timer);
    },
  });
  try {
    await using a = client(network, server.port);
    const log = record(a);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const connections = server.peers.length;
    const errors = count(log, "error", "invalid_server_frame");
    // It used to be hundreds of thousands of error events, and no end.
    assert.ok(
      connections >= 1 && connections < 40,
      `${connections} connections`,
    );
    assert.ok(
      errors <= 3 * connections,
      `${errors} errors for ${connections} connections`,
    );
    assert.ok(count(log, "disconnect", "protocol_error") >= 1);
  } finally {
    for (const timer of timers) clearInterval(timer);
  }
});

Deno.test("invalid lines are no sign of life: a server that only babbles is declared dead at its timeout", async () => {
  const network = memoryNetwork();
  const timers: ReturnType<typeof setInterval>[] = [];
  await using server = await FakeServer.start({
    network,
    interval: 100,
    timeout: 300,
    answerPings: false,
    onFrame(frame, peer) {
      if (frame.type !== "hello") return;
      const timer = setInterval(() => {
        if (peer.closed) clearInterval(timer);
        else peer.conn.write('{"type":"pong"}\n');
      }, 30);
      timers.push(timer);
    },
  });
  try {
    await using a = client(network, server.port, {
      reconnect: false,
      serverBounds: { maxInvalidLines: 1_000_000 },
    });
    const log = record(a);
    await until(
      () => count(log, "dead") === 1,
      2000,
      "the server declared dead",
    );
    const dead = log.find((e) => e.type === "dead")!.detail as {
      silentFor: number;
    };
    assert.ok(dead.silentFor >= 300);
  } finally {
    for (const timer of timers) clearInterval(timer);
  }
});
