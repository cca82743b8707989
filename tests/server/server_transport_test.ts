import assert from "node:assert/strict";
import { startServer } from "../../server/mod.ts";
import { NO_BARE_HANDLES_ENV, nodeTransport } from "../../transport/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";
import { REPO } from "../_helpers/run.ts";

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
      transport: nodeTransport({ keepAliveInitialDelayMs: 7000 }),
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

for (const transport of TRANSPORTS) {
  Deno.test(`server.transport says what the connections run on (${transport})`, async () => {
    await using server = await startServer({ port: 0, transport });
    assert.equal(server.transport.name, transport.name);
    assert.equal(server.transport.detail, transport.detail);
  });
}

Deno.test(`the node transport uses bare handles unless ${NO_BARE_HANDLES_ENV}=1`, async () => {
  for (
    const [env, detail] of [[{}, "bare handles"], [{
      [NO_BARE_HANDLES_ENV]: "1",
    }, "net.Socket"]] as const
  ) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "server/main.ts",
        "--port",
        "0",
        "--log-format",
        "json",
      ],
      cwd: REPO,
      env,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
    const record = JSON.parse(text.split("\n")[0]);
    assert.equal(record.event, "listening");
    assert.equal(record.transportDetail, detail, JSON.stringify(env));
  }
});
