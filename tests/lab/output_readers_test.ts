import assert from "node:assert/strict";
import { lifelineServerCommand, lineTime } from "../../lab/endpoints.ts";
import { NsProcess, type OutputLine } from "../../lab/ns_process.ts";
import { isListening, LIFELINE_SERVER } from "../../lab/output_readers.ts";
import { freePort } from "../_helpers/net.ts";

/** A real server's log of one client that says hello, then nothing. */
async function serverLogOfATimeout(
  format: "json" | "text",
): Promise<OutputLine[]> {
  const port = freePort();
  const argv = lifelineServerCommand(
    "127.0.0.1",
    { intervalMs: 100, timeoutMs: 300, tickMs: 50 },
    { port },
  );
  argv[argv.indexOf("--log-format") + 1] = format;
  await using server = new NsProcess(null, argv);
  let conn: Deno.TcpConn | undefined;
  for (let tries = 0; conn === undefined; tries++) {
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (error) {
      if (tries > 200 || server.exited) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await conn.write(new TextEncoder().encode('{"type":"hello","name":"q"}\n'));
  // Silent from here: the server times the client out and closes.
  for await (const _ of conn.readable) { /* its welcome and bye */ }
  server.signal("SIGTERM");
  await server.status;
  return server.lines;
}

Deno.test("the lab's readers recognise a real server's JSON log of a client timing out, and nothing in its text log", async () => {
  const json = await serverLogOfATimeout("json");
  assert.equal(json.filter(isListening).length, 1, JSON.stringify(json));
  assert.equal(json.filter(LIFELINE_SERVER.connected).length, 1);
  const gone = json.filter((l) => LIFELINE_SERVER.gone(l) !== null);
  assert.deepEqual(gone.map(LIFELINE_SERVER.gone), [
    "heartbeat timeout",
    "heartbeat timeout",
  ]);
  assert.equal(gone[0].json?.event, "timeout");
  assert.ok(Math.abs(lineTime(gone[0]) - gone[0].at) < 1000);

  const text = await serverLogOfATimeout("text");
  assert.ok(text.length >= 4, JSON.stringify(text));
  for (const line of text) {
    assert.equal(isListening(line), false, line.text);
    assert.equal(LIFELINE_SERVER.connected(line), false, line.text);
    assert.equal(LIFELINE_SERVER.gone(line), null, line.text);
  }
});
