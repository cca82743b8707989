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
  const stop = keepPinging(a, 150);
  try {
    server.kill("SIGSTOP");
    // Three timeouts frozen; A's pings wait in the kernel's buffers.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    server.kill("SIGCONT");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(a.eof, false, JSON.stringify(a.frames.slice(-3)));
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
