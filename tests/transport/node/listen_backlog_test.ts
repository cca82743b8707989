import assert from "node:assert/strict";
import {
  nodeTransport,
  type Transport,
  webSocketTransport,
} from "../../../transport/mod.ts";
import {
  LISTEN_BACKLOG,
  REARM_EVERY_MS,
} from "../../../transport/node/_keep_accepting.ts";
import { hasProgram, ignoreUnless } from "../../_helpers/needs.ts";

const ignore = ignoreUnless(
  "ss (iproute2)",
  hasProgram("ss"),
  "tests/transport/node/listen_backlog_test.ts",
);

/** The backlog the kernel holds for a listening port (`ss`'s Send-Q). */
async function kernelBacklog(port: number): Promise<number> {
  const out = await new Deno.Command("ss", {
    args: ["-ltnH", `sport = :${port}`],
    stdout: "piped",
  }).output();
  const fields = new TextDecoder().decode(out.stdout).trim().split(/\s+/);
  return Number(fields[2]);
}

const somaxconn = Number(
  Deno.readTextFileSync("/proc/sys/net/core/somaxconn").trim(),
);

for (
  const [label, transport] of [
    ["bare handles", nodeTransport({ bareHandles: true })],
    ["net.Socket", nodeTransport({ bareHandles: false })],
    ["websocket", webSocketTransport()],
  ] as [string, Transport][]
) {
  Deno.test({
    name:
      `the node transport (${label}) listens with a backlog of ${LISTEN_BACKLOG} (at most net.core.somaxconn), also after re-arming, so a reconnect storm is queued rather than dropped`,
    ignore,
    async fn() {
      const listener = await transport.listen(
        { hostname: "127.0.0.1", port: 0 },
        { open: () => undefined, data() {}, closed() {} },
      );
      try {
        const want = Math.min(LISTEN_BACKLOG, somaxconn);
        assert.equal(await kernelBacklog(listener.addr.port), want);
        await new Promise((r) => setTimeout(r, 2 * REARM_EVERY_MS + 50));
        assert.equal(await kernelBacklog(listener.addr.port), want);
      } finally {
        await listener.close();
      }
    },
  });
}
