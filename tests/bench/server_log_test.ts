import assert from "node:assert/strict";
import {
  isBaselineTimeout,
  isLifelineTimeout,
} from "../../bench/_server_log.ts";
import { ServerProcess } from "../../bench/_server_process.ts";
import { serverSpec } from "../../bench/_servers.ts";
import { freePort } from "../_helpers/net.ts";

/** The timeouts the harness counts while a real server drops one silent client. */
async function countedTimeouts(format: "json" | "text"): Promise<number> {
  const host = "127.0.0.1";
  const port = freePort();
  const spec = serverSpec("lifeline-node", "lifeline", {
    host,
    port,
    intervalMs: 100,
    timeoutMs: 300,
    tickMs: 50,
  });
  const argv = [...spec.argv];
  argv[argv.indexOf("--log-format") + 1] = format;
  const server = new ServerProcess(argv, { timeoutLine: spec.timeoutLine });
  try {
    await server.listening(host, port);
    server.countFromNow();
    const conn = await Deno.connect({ hostname: host, port });
    await conn.write(new TextEncoder().encode('{"type":"hello","name":"q"}\n'));
    const replies = await new Response(conn.readable).text();
    assert.match(replies, /"type":"bye","reason":"timeout"/);
  } finally {
    await server.stop();
  }
  assert.ok(server.tail.split("\n").length >= 4, server.tail);
  return server.timeouts;
}

Deno.test("the harness counts a real server's timeout from its JSON log, and nothing from its text log", async () => {
  assert.equal(await countedTimeouts("json"), 1);
  assert.equal(await countedTimeouts("text"), 0);
});

Deno.test("isLifelineTimeout() takes the timeout event only, and isBaselineTimeout() the baselines' own lines", () => {
  const at = '"time":"2026-01-01T00:00:00.000Z"';
  assert.equal(isLifelineTimeout(`{${at},"event":"timeout","id":"1"}`), true);
  assert.equal(
    isLifelineTimeout(`{${at},"event":"disconnect","reason":"timeout"}`),
    false,
  );
  assert.equal(isLifelineTimeout('{"event":"timeout"'), false);
  assert.equal(isLifelineTimeout("timeout bench-1"), false);
  assert.equal(isBaselineTimeout("timeout bench-1"), true);
  assert.equal(isBaselineTimeout("listening on 127.0.0.1:9100"), false);
});
