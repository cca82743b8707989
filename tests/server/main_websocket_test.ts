// The server CLI's --ws listener, run as a subprocess.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runDeno } from "../_helpers/run.ts";
import { RawClient } from "../_helpers/server.ts";
import { ServerProcess } from "../_helpers/server_process.ts";
import { WsClient } from "../_helpers/ws_client.ts";

const MAIN = fileURLToPath(new URL("../../server/main.ts", import.meta.url));

Deno.test("the server CLI with --ws serves WebSocket clients beside TCP, logs where, and a WebSocket client and a TCP one see each other", async () => {
  await using server = await ServerProcess.start([
    "--port",
    "0",
    "--ws",
    "127.0.0.1:0",
    "--drain",
    "0",
  ]);
  const record = await server.next((l) => l.event === "websocket");
  const wsPort = (record.address as { port: number }).port;
  assert.ok(wsPort > 0 && wsPort !== server.port);
  await using tcp = await RawClient.hello(server.port, "T", ["W"]);
  await using ws = await WsClient.hello(wsPort, "W", ["T"]);
  const connect = await server.next((l) =>
    l.event === "connect" && l.name === "W"
  );
  assert.equal(connect.protocol, "lifeline");
  await tcp.send({ type: "msg", to: "W", body: "hi" });
  await ws.waitFor((f) => f.type === "msg" && f.body === "hi");
  server.kill("SIGTERM");
  const bye = await ws.waitFor((f) => f.type === "bye");
  assert.ok(bye.type === "bye" && bye.reason === "shutdown");
});

Deno.test("the server CLI with --ws-origin refuses an upgrade from another page origin", async () => {
  await using server = await ServerProcess.start([
    "--port",
    "0",
    "--ws",
    "127.0.0.1:0",
    "--ws-origin",
    "http://good.example, http://also.example:8080",
  ]);
  const record = await server.next((l) => l.event === "websocket");
  const wsPort = (record.address as { port: number }).port;
  await using bad = await WsClient.connect(wsPort, {
    origin: "http://evil.example",
  });
  assert.equal(bad.status, 403);
  await using good = await WsClient.connect(wsPort, {
    origin: "http://also.example:8080",
  });
  assert.equal(good.status, 101);
});

Deno.test("the server CLI refuses a bad --ws or --ws-origin with one line and exit code 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["--ws", "nowhere"],
      /^server: --ws: Cannot use "nowhere": expected HOST:PORT such as 127\.0\.0\.1:9092/,
    ],
    [
      ["--ws-origin", "https://a.example"],
      /--ws-origin: Cannot limit origins without --ws/,
    ],
    [
      ["--ws", "9092", "--ws-origin", "https://a.example/path"],
      /--ws-origin: Cannot use "https:\/\/a\.example\/path": expected an origin/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, stderr } = await runDeno(MAIN, args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, pattern);
      assert.equal(stderr.trimEnd().split("\n").length, 1);
    });
  }
});

Deno.test("the server CLI says in one line that it cannot listen for WebSocket clients on a taken port, and exits 1", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { code, stderr } = await runDeno(MAIN, [
      "--port",
      "0",
      "--ws",
      `127.0.0.1:${taken.addr.port}`,
    ]);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /^server: Cannot listen for WebSocket clients on 127\.0\.0\.1:\d+: /,
    );
    assert.equal(stderr.trimEnd().split("\n").length, 1);
  } finally {
    taken.close();
  }
});
