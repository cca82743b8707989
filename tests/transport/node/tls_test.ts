import assert from "node:assert/strict";
import {
  checkTlsCertificate,
  type ConnectionHandler,
  denoDialer,
  type Dialed,
  nodeTlsTransport,
  type TlsDialOptions,
  type TransportConn,
} from "../../../transport/mod.ts";
import { ignoreUnless } from "../../_helpers/needs.ts";
import { HAS_OPENSSL, TestCa } from "../../_helpers/pki.ts";

// The TLS transport (node:tls on net.Socket) and the TLS dialer
// (Deno.startTls), with a CA and certificates made by openssl at test time.

const ignore = ignoreUnless("openssl", HAS_OPENSSL, "tls_test.ts");
const decoder = new TextDecoder();

/** An echo handler: every chunk comes back. */
const echo: ConnectionHandler<TransportConn> = {
  open: (conn) => conn,
  data: (conn, chunk) => conn.write(decoder.decode(chunk)),
  closed: () => {},
};

interface Client {
  dialed: Dialed;
  received: string;
  closed: PromiseWithResolvers<void>;
}

async function dial(port: number, tls: TlsDialOptions): Promise<Client> {
  const client = {
    received: "",
    closed: Promise.withResolvers<void>(),
  } as Client;
  client.dialed = await denoDialer({ tls }).dial(
    { hostname: "127.0.0.1", port },
    {
      open: () => null,
      data: (_, chunk) => client.received += decoder.decode(chunk),
      closed: () => client.closed.resolve(),
    },
  );
  return client;
}

async function roundTrip(client: Client, text: string): Promise<void> {
  const before = client.received.length;
  client.dialed.conn.write(text);
  const deadline = Date.now() + 3000;
  while (client.received.length < before + text.length) {
    if (Date.now() > deadline) throw new Error(`no echo of ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(client.received.slice(before), text);
}

async function hangUp(client: Client): Promise<void> {
  client.dialed.conn.destroy();
  await client.closed.promise;
}

Deno.test({
  name:
    "TLS: a client that trusts the CA is served; without the CA or under another name it fails with a clear error",
  ignore,
  async fn() {
    await using ca = await TestCa.create();
    const server = await ca.issue("server");
    const transport = nodeTlsTransport(server);
    const listener = await transport.listen(
      { hostname: "127.0.0.1", port: 0 },
      echo,
    );
    try {
      assert.deepEqual(listener.info.tls, true);
      assert.equal(listener.info.detail, "net.Socket with TLS");
      const port = listener.addr.port;
      const trusted = await dial(port, {
        caCerts: [ca.cert],
        serverName: "localhost",
      });
      await roundTrip(trusted, "ping\n");
      await hangUp(trusted);
      await assert.rejects(
        dial(port, { serverName: "localhost" }),
        /TLS handshake with 127\.0\.0\.1:\d+ failed: the server's certificate is not signed by a trusted authority .*UnknownIssuer.*--ca FILE/,
      );
      await assert.rejects(
        dial(port, { caCerts: [ca.cert], serverName: "wrong.example" }),
        /not valid for "wrong\.example".*--server-name/,
      );
    } finally {
      await listener.close();
    }
  },
});

Deno.test({
  name:
    "TLS: setCertificate() serves new connections the new certificate while open ones keep theirs",
  ignore,
  async fn() {
    await using first = await TestCa.create("first");
    const second = await TestCa.create("second", first.dir);
    const transport = nodeTlsTransport(await first.issue("old"));
    const listener = await transport.listen(
      { hostname: "127.0.0.1", port: 0 },
      echo,
    );
    try {
      const port = listener.addr.port;
      const old = await dial(port, { caCerts: [first.cert] });
      await roundTrip(old, "before\n");
      const fresh = await second.issue("new");
      transport.setCertificate(fresh);
      // The open connection goes on as if nothing happened.
      await roundTrip(old, "after\n");
      // A new one gets the new certificate: only the second CA trusts it.
      const renewed = await dial(port, { caCerts: [second.cert] });
      await roundTrip(renewed, "new\n");
      await assert.rejects(
        dial(port, { caCerts: [first.cert] }),
        /not signed by a trusted authority/,
      );
      // A key that is not the certificate's is refused, and changes nothing.
      const other = await second.issue("other");
      assert.throws(
        () => transport.setCertificate({ cert: other.cert, key: fresh.key }),
        /Cannot use the TLS private key with the certificate "CN=other"/,
      );
      const still = await dial(port, { caCerts: [second.cert] });
      await roundTrip(still, "still\n");
      await Promise.all([hangUp(old), hangUp(renewed), hangUp(still)]);
    } finally {
      await listener.close();
    }
  },
});

Deno.test("checkTlsCertificate() refuses what is not PEM, in words", () => {
  assert.throws(
    () => checkTlsCertificate({ cert: "garbage", key: "garbage" }),
    /^TypeError: Cannot read the TLS certificate: expected PEM/,
  );
});
