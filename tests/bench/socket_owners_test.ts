import assert from "node:assert/strict";
import net from "node:net";
import {
  endpointKey,
  peersByInode,
  socketInodes,
  socketOwners,
} from "../../bench/_socket_owners.ts";

Deno.test("peersByInode() reads the established connections of one local port from /proc/net/tcp's text", () => {
  const text = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:2454 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0",
    "   1: 0100007F:2454 0300007F:2710 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1",
    "   2: 0300007F:2710 0100007F:2454 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 20 4 30 10 -1",
    "   3: 0100007F:2455 0200007F:2710 01 00000000:00000000 00:00000000 00000000     0        0 4244 1 0 20 4 30 10 -1",
  ].join("\n");
  assert.deepEqual(
    [...peersByInode(text, 0x2454)],
    [[4242, endpointKey(3, 10_000)]],
  );
});

Deno.test("socketOwners() finds which process holds the server end of a connection, by the client's address and port", async () => {
  const server = net.createServer((socket) => socket.on("error", () => {}));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve) => client.on("connect", () => resolve()));
  try {
    assert.ok(socketInodes(Deno.pid).size >= 3);
    const owners = socketOwners(new Map([[7, Deno.pid]]), port);
    assert.equal(owners.get(endpointKey(1, client.localPort!)), 7);
    assert.equal(socketOwners(new Map([[7, 999_999_999]]), port).size, 0);
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
