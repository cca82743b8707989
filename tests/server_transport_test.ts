import assert from "node:assert/strict";
import { startServer } from "../server/mod.ts";
import { RawClient, TRANSPORTS } from "./server_test_helpers.ts";
import { loadTcpWrap, NO_BARE_HANDLES_ENV } from "../server/_tcp_wrap.ts";

/** The `ss` line of the server side of an established loopback connection. */
async function serverSocketLine(
  port: number,
  clientPort: number,
): Promise<string | undefined> {
  const output = await new Deno.Command("ss", {
    args: ["-tnoH", "state", "established"],
    stdout: "piped",
    stderr: "null",
  }).output();
  // Columns: Recv-Q, Send-Q, local, peer, then the timer. Compare whole
  // columns: the client's side of the same connection has the two addresses
  // swapped, and a substring test would match it too (it has no timer).
  return new TextDecoder().decode(output.stdout).split("\n").find((line) => {
    const [, , local, peer] = line.trim().split(/\s+/);
    return local === `127.0.0.1:${port}` &&
      peer === `127.0.0.1:${clientPort}`;
  });
}

async function hasSs(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("ss", {
      args: ["-V"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

const ss = await hasSs();
if (!ss) console.log("skipping the keepalive socket checks: `ss` is missing");

for (const transport of TRANSPORTS) {
  Deno.test({
    name: `every accepted connection has TCP keepalive on (${transport})`,
    ignore: !ss,
    async fn() {
      await using server = await startServer({ port: 0, transport });
      await using a = await RawClient.hello(server.addr.port, "A");
      const clientPort = (a.conn.localAddr as Deno.NetAddr).port;
      const line = await serverSocketLine(server.addr.port, clientPort);
      assert.ok(line, "no established server-side socket found");
      assert.match(line, /timer:\(keepalive,/);
    },
  });
}

Deno.test({
  name: "the node transport sets the keepalive idle time per socket",
  ignore: !ss,
  async fn() {
    await using server = await startServer({
      port: 0,
      transport: "node",
      keepAliveInitialDelay: 7000,
    });
    await using a = await RawClient.hello(server.addr.port, "A");
    const clientPort = (a.conn.localAddr as Deno.NetAddr).port;
    const line = await serverSocketLine(server.addr.port, clientPort);
    // The first probe is due within 7 s, not the system's 2 hours.
    const match = /timer:\(keepalive,([\d.]+)(ms|sec),/.exec(line ?? "");
    assert.ok(match, line);
    const ms = Number(match[1]) * (match[2] === "sec" ? 1000 : 1);
    assert.ok(ms > 0 && ms <= 7000, line);
  },
});

Deno.test(`the node transport uses bare handles unless ${NO_BARE_HANDLES_ENV}=1`, async () => {
  // The test runner runs the server tests a second time with the variable
  // set: this is what shows that run really is on net.Socket.
  const off = Deno.env.get(NO_BARE_HANDLES_ENV) === "1";
  assert.equal(loadTcpWrap() === null, off);
  await using server = await startServer({ port: 0, transport: "node" });
  assert.equal(server.transportDetail, off ? "net.Socket" : "bare handles");
  await using deno = await startServer({ port: 0, transport: "deno" });
  assert.equal(deno.transportDetail, undefined);
});
