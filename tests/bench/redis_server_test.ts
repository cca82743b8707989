import assert from "node:assert/strict";
import {
  commandsBetween,
  parseCommandStats,
  RedisServer,
} from "../../bench/_redis_server.ts";
import { hasProgram, ignoreUnless } from "../_helpers/needs.ts";
import { freePort } from "../_helpers/net.ts";

Deno.test("parseCommandStats() reads the calls of each command, subcommands included", () => {
  const text = [
    "# Commandstats",
    "cmdstat_evalsha:calls=12,usec=300,usec_per_call=25.00,rejected_calls=0,failed_calls=0",
    "cmdstat_script|load:calls=10,usec=200,usec_per_call=20.00,rejected_calls=0,failed_calls=0",
    "cmdstat_exists:calls=4,usec=4,usec_per_call=1.00,rejected_calls=0,failed_calls=0",
    "",
  ].join("\r\n");
  assert.deepEqual(parseCommandStats(text), {
    evalsha: 12,
    "script|load": 10,
    exists: 4,
  });
});

Deno.test("commandsBetween() keeps the commands called between two readings, and their sum", () => {
  assert.deepEqual(
    commandsBetween({ evalsha: 12, info: 3, get: 5 }, {
      evalsha: 15,
      info: 4,
      get: 5,
      exists: 2,
    }),
    { total: 6, calls: { evalsha: 3, info: 1, exists: 2 } },
  );
});

Deno.test({
  name:
    "RedisServer starts a redis-server of its own, counts the commands it is sent, and removes its directory when stopped",
  ignore: ignoreUnless(
    "redis-server",
    hasProgram("redis-server"),
    "tests/bench/redis_server_test.ts",
  ),
  async fn() {
    const port = freePort();
    const redis = await RedisServer.start(port);
    try {
      assert.equal(redis.url, `redis://127.0.0.1:${port}`);
      const before = await redis.commandStats();
      await redis.cli(["SET", "a", "1"]);
      await redis.cli(["GET", "a"]);
      const { calls } = commandsBetween(before, await redis.commandStats());
      assert.equal(calls.set, 1);
      assert.equal(calls.get, 1);
    } finally {
      await redis.stop();
    }
    assert.equal((await redis.cli(["PING"])).includes("PONG"), false);
  },
});

Deno.test({
  name:
    "RedisServer.crash() kills it at once and restart() brings it back empty on the same port",
  ignore: ignoreUnless(
    "redis-server",
    hasProgram("redis-server"),
    "tests/bench/redis_server_test.ts",
  ),
  async fn() {
    const port = freePort();
    const redis = await RedisServer.start(port);
    try {
      await redis.cli(["SET", "a", "1"]);
      await redis.crash();
      assert.equal((await redis.cli(["PING"])).includes("PONG"), false);
      await redis.restart();
      assert.equal((await redis.cli(["PING"])).includes("PONG"), true);
      assert.equal((await redis.cli(["GET", "a"])).trim(), "");
    } finally {
      await redis.stop();
    }
  },
});
