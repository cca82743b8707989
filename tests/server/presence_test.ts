import assert from "node:assert/strict";
import type { PresenceFrame, ServerFrame } from "../../protocol/mod.ts";
import { type SessionPresenceDetail, startServer } from "../../server/mod.ts";
import {
  delay,
  FAST,
  keepPinging,
  RawClient,
  TRANSPORTS,
} from "../_helpers/server.ts";
import { REPO } from "../_helpers/run.ts";

function presence(client: RawClient, name?: string): PresenceFrame[] {
  return client.frames.filter((f): f is PresenceFrame =>
    f.type === "presence" && (name === undefined || f.name === name)
  );
}

function states(client: RawClient, name: string): string[] {
  return presence(client, name).map((f) =>
    f.reason === undefined ? f.state : `${f.state} ${f.reason}`
  );
}

function isPresence(name: string, state: string, reason?: string) {
  return (f: ServerFrame) =>
    f.type === "presence" && f.name === name && f.state === state &&
    (reason === undefined || f.reason === reason);
}

for (const transport of TRANSPORTS) {
  Deno.test(`watch answers at once with the state of every name in it (${transport})`, async () => {
    await using server = await startServer({ port: 0, transport });
    await using b = await RawClient.hello(server.addr.port, "B");
    await using a = await RawClient.hello(server.addr.port, "A");
    // B was online before A joined: A learns it at once, and that nobody
    // holds "nobody".
    await a.watch(["B", "nobody", "A"]);
    assert.deepEqual(presence(a), [
      { type: "presence", name: "B", state: "online" },
      { type: "presence", name: "nobody", state: "offline" },
      { type: "presence", name: "A", state: "online" },
    ]);
    assert.deepEqual(
      server.clients().map((c) => [c.name, c.watching, c.watchers]),
      [["B", 0, 1], ["A", 3, 1]],
    );
    assert.equal(b.frames.some((f) => f.type === "presence"), false);
  });

  Deno.test(`only the watched names are reported, and unwatch stops them (${transport})`, async () => {
    await using server = await startServer({ port: 0, transport });
    await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
    const c = await RawClient.hello(server.addr.port, "C");
    const b = await RawClient.hello(server.addr.port, "B");
    await a.waitFor(isPresence("B", "online"));
    await a.send({ type: "unwatch", names: ["B", "never-watched"] });
    await a.send({ type: "ping", seq: 1 });
    await a.waitFor((f) => f.type === "pong");
    await b.close();
    await c.close();
    await delay(100);
    assert.deepEqual(states(a, "B"), ["offline", "online"]);
    assert.deepEqual(presence(a, "C"), []);
    assert.equal(server.clients()[0].watching, 0);
  });
}

Deno.test("a watched client that goes silent is suspect, and online again when it speaks", async () => {
  await using server = await startServer({
    port: 0,
    interval: 100,
    timeout: 600,
    tick: 20,
    suspectAfter: 150,
  });
  const changes: SessionPresenceDetail[] = [];
  server.addEventListener("presence", (e) => changes.push(e.detail));
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  const stopA = keepPinging(a, 80);
  try {
    await using b = await RawClient.hello(server.addr.port, "B");
    await a.waitFor(isPresence("B", "online"));
    const suspect = await a.waitFor<PresenceFrame>(isPresence("B", "suspect"));
    assert.ok(suspect.silentMs! >= 150, JSON.stringify(suspect));
    await b.send({ type: "ping", seq: 1 });
    await a.until(() => states(a, "B").length === 4, 3000, "online again");
    assert.deepEqual(states(a, "B"), [
      "offline",
      "online",
      "suspect",
      "online",
    ]);
    assert.deepEqual(changes.map((c) => c.state), [
      "online",
      "suspect",
      "online",
    ]);
  } finally {
    stopA();
  }
});

Deno.test("a suspect client that says bye goes from suspect straight to offline", async () => {
  await using server = await startServer({
    port: 0,
    interval: 100,
    timeout: 600,
    tick: 20,
    suspectAfter: 150,
  });
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  const stopA = keepPinging(a, 80);
  try {
    await using b = await RawClient.hello(server.addr.port, "B");
    await a.waitFor(isPresence("B", "suspect"));
    await b.send({ type: "bye" });
    await a.until(() => states(a, "B").length >= 4, 3000, "offline");
    await delay(50);
    assert.deepEqual(states(a, "B"), [
      "offline",
      "online",
      "suspect",
      "offline closed",
    ]);
  } finally {
    stopA();
  }
});

/** A client CLI process named `name`, started and welcomed. */
function clientProcess(port: number, name: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "client/main.ts",
      "-n",
      name,
      "--port",
      String(port),
      "--no-stdin",
      "--json",
    ],
    cwd: REPO,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  return {
    child,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
    },
  };
}

Deno.test("a SIGSTOPped client is suspect to its watchers, and online again when resumed before its timeout", async () => {
  await using server = await startServer({
    port: 0,
    interval: 300,
    timeout: 3000,
    suspectAfter: 600,
  });
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  const stopA = keepPinging(a, 250);
  try {
    await using b = await clientProcess(server.addr.port, "B");
    await a.waitFor(isPresence("B", "online"), 15_000);
    b.child.kill("SIGSTOP");
    const suspect = await a.waitFor<PresenceFrame>(
      isPresence("B", "suspect"),
      3000,
    );
    assert.ok(suspect.silentMs! >= 600);
    b.child.kill("SIGCONT");
    await a.until(
      () => states(a, "B").at(-1) === "online" && states(a, "B").length === 4,
      3000,
      "B online again",
    );
    assert.deepEqual(states(a, "B"), [
      "offline",
      "online",
      "suspect",
      "online",
    ]);
  } finally {
    stopA();
  }
});

Deno.test("a SIGSTOPped client that is not resumed goes from suspect to offline with reason timeout", async () => {
  await using server = await startServer({
    port: 0,
    interval: 200,
    timeout: 1000,
    tick: 50,
    suspectAfter: 300,
  });
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  const stopA = keepPinging(a, 150);
  try {
    await using b = await clientProcess(server.addr.port, "B");
    await a.waitFor(isPresence("B", "online"), 15_000);
    b.child.kill("SIGSTOP");
    await a.waitFor(isPresence("B", "offline", "timeout"), 3000);
    assert.deepEqual(states(a, "B"), [
      "offline",
      "online",
      "suspect",
      "offline timeout",
    ]);
  } finally {
    stopA();
  }
});

Deno.test("within the grace window a cut client that comes back gives its watchers no offline", async () => {
  await using server = await startServer({
    port: 0,
    interval: 1000,
    timeout: 5000,
    presenceGrace: 1000,
  });
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  const first = await RawClient.hello(server.addr.port, "B");
  await a.waitFor(isPresence("B", "online"));
  // The socket is cut without a bye: an abrupt end.
  await first.close();
  const suspect = await a.waitFor<PresenceFrame>(isPresence("B", "suspect"));
  assert.equal(suspect.reason, "closed");
  await delay(200);
  await using second = await RawClient.hello(server.addr.port, "B");
  await a.waitFor(isPresence("B", "online"));
  await delay(1200);
  assert.deepEqual(states(a, "B"), [
    "offline",
    "online",
    "suspect closed",
    "online",
  ]);
  assert.equal(second.eof, false);
});

Deno.test("a cut client that does not come back within the grace window is offline at its end plus the grace", async () => {
  await using server = await startServer({
    port: 0,
    interval: 1000,
    timeout: 5000,
    tick: 50,
    presenceGrace: 400,
  });
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  const b = await RawClient.hello(server.addr.port, "B");
  await a.waitFor(isPresence("B", "online"));
  const cut = performance.now();
  await b.close();
  await a.waitFor(isPresence("B", "suspect"));
  await a.waitFor(isPresence("B", "offline", "closed"), 3000);
  const after = performance.now() - cut;
  assert.ok(after >= 390 && after < 400 + 50 + 500, `offline after ${after}ms`);
  // A client that says bye is offline at once, grace or not.
  const c = await RawClient.hello(server.addr.port, "C");
  await a.watch(["C"]);
  await c.send({ type: "bye" });
  await c.waitClosed();
  await a.waitFor(isPresence("C", "offline", "closed"), 300);
  assert.deepEqual(states(a, "C"), ["online", "offline closed"]);
});

Deno.test("watch frames are checked: the cap, the names, the size of a frame", async () => {
  await using server = await startServer({ port: 0, maxWatches: 3 });
  await using a = await RawClient.hello(server.addr.port, "A", ["B", "C"]);
  const errors = () =>
    a.frames.flatMap((f) => f.type === "error" ? [f.code] : []);
  // Two more would make four: refused as a whole.
  await a.send({ type: "watch", names: ["D", "E"] });
  await a.until(() => errors().length === 1);
  assert.deepEqual(errors(), ["too_many_watches"]);
  assert.equal(server.clients()[0].watching, 2);
  // Watching a name again, or one more, still fits.
  await a.watch(["B", "D"]);
  assert.equal(server.clients()[0].watching, 3);
  await a.send({ type: "watch", names: ["not a name"] });
  await a.send({ type: "watch", names: [] });
  await a.until(() => errors().length === 3);
  assert.deepEqual(errors().slice(1), ["invalid_frame", "invalid_frame"]);
  assert.equal(a.eof, false);
  const many = Array.from({ length: 1001 }, (_, i) => `n${i}`);
  await a.send({ type: "watch", names: many });
  await a.waitClosed();
  assert.deepEqual(errors().slice(3), ["invalid_frame", "too_many_errors"]);
});

Deno.test("2,000 clients each watching 20 others: when one is killed exactly its watchers are told, once", async () => {
  const count = 2000;
  await using server = await startServer({
    port: 0,
    interval: 10_000,
    timeout: 30_000,
  });
  const names = Array.from({ length: count }, (_, i) => `c${i}`);
  const watches = names.map((_, i) =>
    Array.from({ length: 20 }, (_, k) => names[(i * 7 + k * 97 + 1) % count])
  );
  const victim = names[123];
  // The victim watches itself too, and cannot hear of its own end.
  const expected = new Set(
    names.filter((name, i) => watches[i].includes(victim) && name !== victim),
  );
  assert.ok(expected.size > 0);
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < count; i += 100) {
      clients.push(
        ...await Promise.all(
          names.slice(i, i + 100).map((name) =>
            RawClient.hello(server.addr.port, name)
          ),
        ),
      );
    }
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        clients.slice(i, i + 100).map((c, k) => c.watch(watches[i + k])),
      );
    }
    const before = clients.map((c) => c.frames.length);
    await clients[123].close();
    const told = () =>
      clients.filter((c, i) =>
        c.frames.slice(before[i]).some(isPresence(victim, "offline"))
      );
    await clients[0].until(
      () => told().length === expected.size,
      10_000,
      "every watcher of the victim",
    );
    await delay(300);
    clients.forEach((c, i) => {
      if (i === 123) return;
      const news = c.frames.slice(before[i]).filter((f) =>
        f.type === "presence"
      );
      const name = names[i];
      assert.deepEqual(
        news,
        expected.has(name)
          ? [{
            type: "presence",
            name: victim,
            state: "offline",
            reason: "closed",
          }]
          : [],
        name,
      );
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

Deno.test("with the default suspectAfter of 1.5 x interval a client pinging every interval is never suspect", async () => {
  await using server = await startServer({
    port: 0,
    ...FAST,
    minPingInterval: 0,
  });
  assert.equal(server.options.suspectAfter, 150);
  await using a = await RawClient.hello(server.addr.port, "A", ["B"]);
  await using b = await RawClient.hello(server.addr.port, "B");
  const stopA = keepPinging(a, 100);
  const stopB = keepPinging(b, 100);
  try {
    await delay(600);
  } finally {
    stopA();
    stopB();
  }
  assert.deepEqual(states(a, "B"), ["offline", "online"]);
});
