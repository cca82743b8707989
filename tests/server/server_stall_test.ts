import assert from "node:assert/strict";
import { keepPinging, RawClient } from "../_helpers/server.ts";
import { ServerProcess } from "../_helpers/server_process.ts";

Deno.test("a server frozen past its timeout does not blame its clients when it resumes", async () => {
  await using server = await ServerProcess.start([
    "--port",
    "0",
    "--interval",
    "200ms",
    "--timeout",
    "1s",
  ]);
  await using a = await RawClient.hello(server.port, "A");
  await using watcher = await RawClient.hello(server.port, "W");
  await watcher.send({ type: "watch", names: ["A"] });
  await watcher.waitFor((f) => f.type === "presence" && f.name === "A");
  const seen = watcher.frames.length;
  const stopA = keepPinging(a, 150);
  const stopW = keepPinging(watcher, 150);
  const stop = () => {
    stopA();
    stopW();
  };
  try {
    server.kill("SIGSTOP");
    // Three timeouts frozen; A's pings wait in the kernel's buffers.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    server.kill("SIGCONT");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(a.eof, false, JSON.stringify(a.frames.slice(-3)));
    // Its pings, read together after the freeze, are not "too many".
    assert.ok(
      !a.frames.some((f) => f.type === "error"),
      JSON.stringify(a.frames.filter((f) => f.type === "error")),
    );
    // Nor is A suspect to its watcher: it never stopped pinging.
    const presence = watcher.frames.slice(seen).filter((f) =>
      f.type === "presence"
    );
    assert.deepEqual(presence, []);
    assert.equal(
      server.lines.filter((l) => l.event === "timeout").length,
      0,
      JSON.stringify(server.lines.slice(-5)),
    );
  } finally {
    stop();
  }
  // A client that really went silent is still swept.
  await using mute = await RawClient.hello(server.port, "mute");
  const swept = await server.next(
    (l) => l.event === "timeout" && l.name === "mute",
    5000,
  );
  assert.ok(swept);
  await mute.waitClosed();
});
