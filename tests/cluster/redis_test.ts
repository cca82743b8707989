// The cluster on a real Redis with real server processes.
import assert from "node:assert/strict";
import type { PresenceFrame, ServerFrame } from "../../protocol/mod.ts";
import { delay, keepPinging, RawClient } from "../_helpers/server.ts";
import { hasProgram, ignoreUnless } from "../_helpers/needs.ts";
import { RedisProcess } from "../_helpers/redis.ts";
import { ServerProcess } from "../_helpers/server_process.ts";
import { runDeno } from "../_helpers/run.ts";
import { freePort } from "../_helpers/net.ts";

const ignore = ignoreUnless(
  "redis-server",
  hasProgram("redis-server"),
  "tests/cluster/redis_test.ts",
);

const NODE = [
  "--port",
  "0",
  "--interval",
  "200ms",
  "--timeout",
  "2s",
  "--node-ttl",
  "2s",
];

function node(redis: RedisProcess, id: string, extra: string[] = []) {
  return ServerProcess.start([
    ...NODE,
    "--cluster",
    redis.url,
    "--node-id",
    id,
    ...extra,
  ]);
}

function states(client: RawClient, name: string): string[] {
  return client.frames.filter((f): f is PresenceFrame =>
    f.type === "presence" && f.name === name
  ).map((f) => f.reason === undefined ? f.state : `${f.state} ${f.reason}`);
}

function isPresence(name: string, state: string, reason?: string) {
  return (f: ServerFrame) =>
    f.type === "presence" && f.name === name && f.state === state &&
    (reason === undefined || f.reason === reason);
}

async function drained(response: Response) {
  return { status: response.status, body: await response.text() };
}

async function metrics(adminUrl: string): Promise<string> {
  return (await fetch(`${adminUrl}/metrics`).then(drained)).body;
}

async function until(check: () => Promise<boolean>, ms = 5000) {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error("Timed out");
    await delay(50);
  }
}

Deno.test({
  name:
    "three nodes: a client on any node messages, broadcasts to and watches clients on the others",
  ignore,
  async fn() {
    await using redis = await RedisProcess.start();
    await using n1 = await node(redis, "n1");
    await using n2 = await node(redis, "n2");
    await using n3 = await node(redis, "n3");
    await using a = await RawClient.hello(n1.port, "A", ["B", "C"]);
    assert.deepEqual(states(a, "B"), ["offline"]);
    const stopA = keepPinging(a, 150);
    try {
      await using b = await RawClient.hello(n2.port, "B");
      await using c = await RawClient.hello(n3.port, "C", ["B"]);
      await a.waitFor(isPresence("B", "online"));
      await a.waitFor(isPresence("C", "online"));
      assert.deepEqual(states(c, "B"), ["online"]);
      await b.send({ type: "msg", to: "A", body: "b to a" });
      await c.send({ type: "msg", to: "B", body: "c to b" });
      await a.send({ type: "msg", body: "a to all" });
      assert.deepEqual(
        await a.waitFor((f) => f.type === "msg"),
        { type: "msg", from: "B", body: "b to a" },
      );
      await b.waitFor((f) => f.type === "msg" && f.body === "c to b");
      await b.waitFor((f) => f.type === "msg" && f.body === "a to all");
      await c.waitFor((f) => f.type === "msg" && f.body === "a to all");
      // A message for a name nobody holds, on any node.
      await b.send({ type: "msg", to: "nobody", body: "?" });
      const error = await b.waitFor((f) => f.type === "error");
      assert.equal(error.type === "error" && error.code, "unknown_recipient");
      // B leaves on purpose: both watchers are told once.
      await b.send({ type: "bye" });
      await a.waitFor(isPresence("B", "offline", "closed"));
      await c.waitFor(isPresence("B", "offline", "closed"));
      await delay(200);
      assert.deepEqual(states(a, "B"), ["offline", "online", "offline closed"]);
      assert.deepEqual(states(c, "B"), ["online", "offline closed"]);
    } finally {
      stopA();
    }
  },
});

Deno.test({
  name:
    "a name is unique cluster-wide: a hello on another node replaces the session there, also in a race",
  ignore,
  async fn() {
    await using redis = await RedisProcess.start();
    await using n1 = await node(redis, "n1");
    await using n2 = await node(redis, "n2");
    await using n3 = await node(redis, "n3");
    await using w = await RawClient.hello(n3.port, "W", ["X"]);
    const first = await RawClient.hello(n1.port, "X");
    await w.waitFor(isPresence("X", "online"));
    await using second = await RawClient.hello(n2.port, "X");
    await first.waitClosed();
    assert.deepEqual(first.frames.at(-1), { type: "bye", reason: "replaced" });
    await second.send({ type: "msg", to: "W", body: "still me" });
    await w.waitFor((f) => f.type === "msg" && f.from === "X");
    // For the watcher X never went offline.
    assert.deepEqual(states(w, "X"), ["offline", "online"]);
    // Two hellos for Y at the same moment on two nodes: one survives.
    const [y1, y2] = await Promise.all([
      RawClient.hello(n1.port, "Y"),
      RawClient.hello(n2.port, "Y"),
    ]);
    await w.until(() => y1.eof || y2.eof, 3000, "one Y to be replaced");
    await delay(300);
    const alive = [y1, y2].filter((y) => !y.eof);
    assert.equal(alive.length, 1);
    const loser = [y1, y2].find((y) => y.eof)!;
    assert.deepEqual(loser.frames.at(-1), { type: "bye", reason: "replaced" });
    await alive[0].send({ type: "msg", to: "W", body: "the one Y" });
    await w.waitFor((f) => f.type === "msg" && f.body === "the one Y");
    await Promise.all([first.close(), y1.close(), y2.close()]);
  },
});

Deno.test({
  name:
    "a SIGKILLed node's clients are announced offline node_lost to remote watchers within node-ttl + tick, once",
  ignore,
  async fn() {
    await using redis = await RedisProcess.start();
    await using n1 = await node(redis, "n1");
    const n2 = await node(redis, "n2");
    try {
      await using a = await RawClient.hello(n1.port, "A", ["B", "C"]);
      const stopA = keepPinging(a, 150);
      try {
        const b = await RawClient.hello(n2.port, "B");
        const c = await RawClient.hello(n2.port, "C");
        const beat = [keepPinging(b, 150), keepPinging(c, 150)];
        await a.waitFor(isPresence("B", "online"));
        await a.waitFor(isPresence("C", "online"));
        const killed = performance.now();
        n2.kill("SIGKILL");
        await n2.exited();
        beat.forEach((stop) => stop());
        await a.waitFor(isPresence("B", "offline", "node_lost"), 6000);
        await a.waitFor(isPresence("C", "offline", "node_lost"), 1000);
        const took = performance.now() - killed;
        // node-ttl 2s plus the check period (the tick, 200 ms), with room.
        assert.ok(took < 2000 + 200 + 800, `node_lost after ${took}ms`);
        console.log(
          `node_lost ${
            took.toFixed(0)
          } ms after SIGKILL (node-ttl 2000 ms, tick 200 ms)`,
        );
        await delay(1500);
        assert.deepEqual(states(a, "B"), [
          "offline",
          "online",
          "offline node_lost",
        ]);
        assert.deepEqual(states(a, "C"), [
          "offline",
          "online",
          "offline node_lost",
        ]);
        // Its names are free again.
        await using b2 = await RawClient.hello(n1.port, "B");
        await a.waitFor((f) =>
          f.type === "presence" && f.name === "B" && f.state === "online" &&
          states(a, "B").length === 4
        );
        await Promise.all([b.close(), c.close(), b2.close()]);
      } finally {
        stopA();
      }
    } finally {
      n2.kill("SIGKILL");
      await n2.exited();
    }
  },
});

Deno.test({
  name:
    "a node frozen past its TTL is fenced: its clients are node_lost, then re-announced online; a name taken meanwhile is not overwritten",
  ignore,
  async fn() {
    await using redis = await RedisProcess.start();
    await using n1 = await node(redis, "n1");
    await using n2 = await node(redis, "n2", ["--timeout", "20s"]);
    await using a = await RawClient.hello(n1.port, "A", ["B", "T"]);
    const stopA = keepPinging(a, 150);
    try {
      await using _b = await RawClient.hello(n2.port, "B");
      const t = await RawClient.hello(n2.port, "T");
      await a.waitFor(isPresence("B", "online"));
      await a.waitFor(isPresence("T", "online"));
      n2.kill("SIGSTOP");
      await a.waitFor(isPresence("B", "offline", "node_lost"), 6000);
      // T comes back on n1 while n2 is frozen.
      await using t2 = await RawClient.hello(n1.port, "T");
      await a.waitFor((f) =>
        isPresence("T", "online")(f) && states(a, "T").length === 4
      );
      n2.kill("SIGCONT");
      const rejoined = await n2.next(
        (l) =>
          l.event === "cluster" && l.available === true &&
          String(l.reason).startsWith("rejoined"),
        8000,
      );
      assert.ok(rejoined);
      // B stayed connected to n2: re-announced online.
      await a.waitFor(
        (f) => isPresence("B", "online")(f) && states(a, "B").length === 4,
        5000,
      );
      // T on n2 was older than T on n1: it is replaced, not the new one.
      await t.waitClosed(5000);
      assert.deepEqual(t.frames.at(-1), { type: "bye", reason: "replaced" });
      assert.equal(t2.eof, false);
      await t2.send({ type: "msg", to: "A", body: "the new T" });
      await a.waitFor((f) => f.type === "msg" && f.body === "the new T");
      assert.deepEqual(states(a, "B"), [
        "offline",
        "online",
        "offline node_lost",
        "online",
      ]);
    } finally {
      stopA();
      n2.kill("SIGCONT");
    }
  },
});

for (const keepData of [false, true]) {
  Deno.test({
    name: `Redis killed for 5 s and restarted ${
      keepData ? "with" : "without"
    } its data: no client that stayed connected is announced offline, and the cluster works again`,
    ignore,
    async fn() {
      await using redis = await RedisProcess.start();
      await using n1 = await node(redis, "n1", ["--admin", "127.0.0.1:0"]);
      await using n2 = await node(redis, "n2");
      const admin = await n1.next((l) => l.event === "admin");
      const adminUrl = `http://127.0.0.1:${
        (admin.address as { port: number }).port
      }`;
      await using a = await RawClient.hello(n1.port, "A", ["B"]);
      await using b = await RawClient.hello(n2.port, "B");
      const beat = [keepPinging(a, 150), keepPinging(b, 150)];
      try {
        await a.waitFor(isPresence("B", "online"));
        await until(async () =>
          (await metrics(adminUrl)).includes("lifeline_cluster_nodes 2")
        );
        assert.match(await metrics(adminUrl), /^lifeline_cluster_redis_up 1$/m);
        assert.equal(
          (await fetch(`${adminUrl}/readyz`).then(drained)).status,
          200,
        );
        if (keepData) await redis.save();
        await redis.kill();
        await n1.next((l) => l.event === "cluster" && l.available === false);
        // Degraded: not ready, and the metric says why.
        const degraded = await fetch(`${adminUrl}/readyz`).then(drained);
        assert.equal(degraded.status, 503);
        assert.match(
          degraded.body,
          /\[-\] cluster: the cluster is unavailable \(degraded\)/,
        );
        assert.match(await metrics(adminUrl), /^lifeline_cluster_redis_up 0$/m);
        // What the dashboard's node panel shows.
        const { server } = JSON.parse(
          (await fetch(`${adminUrl}/stats`).then(drained)).body,
        );
        assert.equal(server.cluster.nodeId, "n1");
        assert.equal(server.cluster.available, false);
        // Local features go on; cross-node ones say so at once.
        await a.send({ type: "msg", to: "B", body: "while down" });
        const error = await a.waitFor((f) => f.type === "error");
        assert.equal(
          error.type === "error" && error.code,
          "cluster_unavailable",
        );
        await delay(5000);
        await redis.restart();
        await n1.next(
          (l) => l.event === "cluster" && l.available === true,
          10_000,
        );
        await n2.next(
          (l) => l.event === "cluster" && l.available === true,
          10_000,
        );
        assert.equal(
          (await fetch(`${adminUrl}/readyz`).then(drained)).status,
          200,
        );
        // Past the quiet period (the node TTL), nothing was announced.
        await delay(3000);
        assert.deepEqual(states(a, "B"), ["offline", "online"]);
        await b.send({ type: "msg", to: "A", body: "back" });
        await a.waitFor((f) => f.type === "msg" && f.body === "back", 3000);
        // A new watch of B from n1 sees it online.
        await using c = await RawClient.hello(n1.port, "C", ["B"]);
        assert.deepEqual(states(c, "B"), ["online"]);
      } finally {
        beat.forEach((stop) => stop());
      }
    },
  });
}

Deno.test({
  name:
    "--workers 3 share one port, and a killed worker is started again; SIGTERM drains them all",
  ignore,
  async fn() {
    await using redis = await RedisProcess.start();
    const port = freePort();
    const workers = await ServerProcess.start([
      ...NODE.slice(2),
      "--port",
      String(port),
      "--cluster",
      redis.url,
      "--node-id",
      "w",
      "--workers",
      "3",
      "--drain",
      "200ms",
    ]);
    try {
      const started = workers.lines.filter((l) =>
        l.event === "worker" && l.state === "started"
      );
      assert.equal(started.length, 3);
      // Clients spread over the workers, and see each other.
      const clients = await Promise.all(
        Array.from({ length: 12 }, (_, i) => RawClient.hello(port, `c${i}`)),
      );
      await clients[0].watch(clients.map((_, i) => `c${i}`));
      assert.ok(
        clients[0].frames.filter((f) => f.type === "presence").every((f) =>
          f.type === "presence" && f.state === "online"
        ),
      );
      const victim = started[1];
      Deno.kill(Number(victim.pid), "SIGKILL");
      await workers.next((l) =>
        l.event === "worker" && l.state === "restarting" &&
        l.worker === victim.worker
      );
      await workers.next(
        (l) =>
          l.event === "worker" && l.state === "started" &&
          l.worker === victim.worker,
        10_000,
        1,
      );
      await workers.next((l) => l.event === "listening", 20_000, 3);
      await Promise.all(clients.map((c) => c.close()));
      workers.kill("SIGTERM");
      const code = await workers.exited();
      assert.equal(
        code,
        0,
        `${
          JSON.stringify(
            workers.lines.filter((l) =>
              [
                "worker",
                "listening",
                "shutdown",
                "forced",
                "stopped",
                "cluster",
              ].includes(
                String(l.event),
              )
            ),
          )
        }\n${workers.stderr}`,
      );
    } finally {
      workers.kill("SIGKILL");
      await workers.exited();
    }
  },
});

Deno.test({
  name:
    "bad cluster settings give one clear line: a bad URL (exit 2), refused connections, a password required (exit 1)",
  ignore,
  async fn() {
    const bad = await runDeno("server/main.ts", ["--cluster", "http://x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--cluster: Cannot use cluster URL "http:\/\/x"/);
    const noWorkers = await runDeno("server/main.ts", ["--workers", "2"]);
    assert.equal(noWorkers.code, 2);
    assert.match(
      noWorkers.stderr,
      /--workers: Cannot run workers without --cluster/,
    );
    const closed = freePort();
    const refused = await runDeno("server/main.ts", [
      "--port",
      "0",
      "--cluster",
      `redis://127.0.0.1:${closed}`,
    ]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /Cannot join the cluster at redis:\/\/127\.0\.0\.1:\d+\/0: connection refused/,
    );
    assert.equal(refused.stderr.trim().split("\n").length, 1);
    await using locked = await RedisProcess.start({ password: "s3cret" });
    const noPassword = await runDeno("server/main.ts", [
      "--port",
      "0",
      "--cluster",
      `redis://127.0.0.1:${locked.port}`,
    ]);
    assert.equal(noPassword.code, 1);
    assert.match(noPassword.stderr, /Redis requires a password/);
    await using withPassword = await ServerProcess.start([
      "--port",
      "0",
      "--cluster",
      locked.url,
    ]);
    assert.ok(withPassword.port > 0);
  },
});
