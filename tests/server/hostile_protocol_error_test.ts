import assert from "node:assert/strict";
import { startServer } from "../../server/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";
import { Witnesses } from "../_helpers/witnesses.ts";

// A client told bye protocol_error that keeps writing used to be read (and
// its bytes thrown away) for the whole close grace: 588 MB in one second on
// loopback. Once the server ends a session, the transport delivers nothing
// more, reads at most 64 KiB more while it waits for the peer's FIN, and
// cuts a peer that sends more.

const CHUNK = new TextEncoder().encode("x".repeat(64 * 1024));

/**
 * Writes CHUNK after CHUNK until a write fails, a write stays blocked for
 * 500 ms (the server no longer reads), or `ms` pass.
 */
async function writeUntilStopped(
  conn: Deno.TcpConn,
  ms: number,
): Promise<{ bytes: number; how: string }> {
  const start = performance.now();
  let bytes = 0;
  while (performance.now() - start < ms) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const blocked = new Promise<"blocked">((resolve) => {
      timer = setTimeout(() => resolve("blocked"), 500);
    });
    let written: number | "blocked";
    try {
      written = await Promise.race([conn.write(CHUNK), blocked]);
    } catch (error) {
      return { bytes, how: `failed: ${(error as Error).name}` };
    } finally {
      clearTimeout(timer);
    }
    if (written === "blocked") return { bytes, how: "blocked" };
    bytes += written;
  }
  return { bytes, how: "still writing" };
}

for (const transport of TRANSPORTS) {
  Deno.test(`a client that keeps writing after bye protocol_error is cut off within 64 KiB, not read for the close grace (${transport})`, async () => {
    // A long close grace: the old behaviour read for all of it.
    await using server = await startServer({
      port: 0,
      interval: 1000,
      timeout: 5000,
      closeGrace: 5000,
      minPingInterval: 0,
      transport,
    });
    const witnesses = await Witnesses.start(server.addr.port, {
      everyMs: 200,
    });
    await using hostile = await RawClient.hello(server.addr.port, "hostile");
    await hostile.write("nope\nnope\nnope\n");
    await hostile.waitFor((f) =>
      f.type === "bye" && f.reason === "protocol_error"
    );
    const after = await writeUntilStopped(hostile.conn, 3000);
    assert.notEqual(
      after.how,
      "still writing",
      `the server went on reading: ${after.bytes} bytes after bye`,
    );
    // What the server read (64 KiB and one read) plus what the kernel's
    // buffers on both sides took.
    assert.ok(
      after.bytes < 16 * 1024 * 1024,
      `${after.bytes} bytes written after bye (${after.how})`,
    );
    await witnesses.untilEachPonged(2);
    await witnesses.assertHealthy({ maxRttMs: 1000, maxGapMs: 1500 });
  });
}
