import assert from "node:assert/strict";
import { connect, type LifelineClient } from "../../client/mod.ts";
import { ignoreUnless } from "../_helpers/needs.ts";
import { HAS_OPENSSL, type Issued, TestCa } from "../_helpers/pki.ts";
import { REPO, runDeno } from "../_helpers/run.ts";

// The server CLI over TLS (--tls-cert, --tls-key, SIGHUP reloads them) and
// the client over TLS (the library's tls option and the CLI's --tls, --ca,
// --server-name), with certificates made by openssl at test time. TLS runs
// on one transport only (node:tls on net.Socket; docs/security.md says why),
// so these tests do not loop over the transport matrix.

const ignore = ignoreUnless("openssl", HAS_OPENSSL, "tls_test.ts");

/** The server CLI, its JSON log collected as it comes. */
class TlsServer implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly log: Record<string, unknown>[] = [];
  #reading: Promise<void>;

  constructor(issued: Issued) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO}server/main.ts`,
        "--port",
        "0",
        "--interval",
        "200ms",
        "--timeout",
        "2s",
        "--log-format",
        "json",
        "--tls-cert",
        issued.certFile,
        "--tls-key",
        issued.keyFile,
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    let rest = "";
    for await (
      const chunk of this.child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) this.log.push(JSON.parse(line));
    }
  }

  async until(event: string, ms = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const found = this.log.find((r) => r.event === event);
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`No "${event}" in the log: ${JSON.stringify(this.log)}`);
  }

  async port(): Promise<number> {
    const listening = await this.until("listening", 15_000);
    return (listening.address as { port: number }).port;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Gone already.
    }
    await this.#reading;
    await this.child.status;
  }
}

function pong(client: LifelineClient): Promise<void> {
  return new Promise((resolve) =>
    client.addEventListener("pong", () => resolve(), { once: true })
  );
}

Deno.test({
  name:
    "the server CLI serves TLS: a client with the CA is welcomed, one without it or under another name fails clearly",
  ignore,
  async fn() {
    await using ca = await TestCa.create();
    await using server = new TlsServer(await ca.issue("server"));
    const port = await server.port();
    const listening = await server.until("listening");
    assert.equal(listening.transport, "node");
    assert.equal(listening.transportDetail, "net.Socket with TLS");
    assert.equal(listening.tls, true);
    await using client = await connect({
      name: "A",
      port,
      tls: { caCerts: [ca.cert], serverName: "localhost" },
      reconnect: false,
    });
    assert.equal(client.connected, true);
    await pong(client);
    await assert.rejects(
      connect({ name: "B", port, tls: true, reconnect: false }),
      /Cannot connect to 127\.0\.0\.1:\d+ as "B": .*not signed by a trusted authority/,
    );
    await assert.rejects(
      connect({
        name: "C",
        port,
        tls: { caCerts: [ca.cert], serverName: "elsewhere.example" },
        reconnect: false,
      }),
      /not valid for "elsewhere\.example"/,
    );
    // The client's command line: --ca and --server-name.
    const cli = await runDeno("client/main.ts", [
      "-n",
      "D",
      "--port",
      String(port),
      "--ca",
      ca.certFile,
      "--server-name",
      "localhost",
      "--json",
      "--no-stdin",
      "--connect-timeout",
      "3s",
    ], { prefix: ["timeout", "-s", "TERM", "3"] });
    const events = cli.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(
      events.some((e) => e.event === "welcome"),
      cli.stdout + cli.stderr,
    );
  },
});

Deno.test({
  name:
    "SIGHUP reloads the certificate: the open connection keeps its session, a new one gets the new certificate",
  ignore,
  async fn() {
    await using first = await TestCa.create("first");
    const second = await TestCa.create("second", first.dir);
    const issued = await first.issue("server");
    await using server = new TlsServer(issued);
    const port = await server.port();
    await using old = await connect({
      name: "old",
      port,
      tls: { caCerts: [first.cert] },
      reconnect: false,
    });
    let dropped = false;
    old.addEventListener("disconnect", () => dropped = true);
    const welcomeId = old.welcome?.id;
    // The renewed certificate, from another CA, over the same files.
    const renewed = await second.issue("renewed");
    await Deno.writeTextFile(issued.certFile, renewed.cert);
    await Deno.writeTextFile(issued.keyFile, renewed.key);
    server.child.kill("SIGHUP");
    const reloaded = await server.until("tls_reload");
    assert.equal(reloaded.subject, "CN=renewed");
    await using fresh = await connect({
      name: "fresh",
      port,
      tls: { caCerts: [second.cert] },
      reconnect: false,
    });
    assert.equal(fresh.connected, true);
    await assert.rejects(
      connect({
        name: "stale",
        port,
        tls: { caCerts: [first.cert] },
        reconnect: false,
      }),
      /not signed by a trusted authority/,
    );
    await pong(old);
    assert.equal(dropped, false);
    assert.equal(old.connected, true);
    assert.equal(old.welcome?.id, welcomeId, "the same session");
    // A broken renewal is refused and the certificate in use stays.
    await Deno.writeTextFile(issued.keyFile, "not a key");
    server.child.kill("SIGHUP");
    const warning = await server.until("warning");
    assert.match(
      String(warning.message),
      /Cannot read the TLS private key.*the TLS certificate in use stays/,
    );
    await using after = await connect({
      name: "after",
      port,
      tls: { caCerts: [second.cert] },
      reconnect: false,
    });
    assert.equal(after.connected, true);
  },
});

Deno.test("the TLS flags come in pairs and only on the node transport; a bad file is one line and exit 1", async () => {
  const half = await runDeno("server/main.ts", ["--tls-cert", "x.pem"]);
  assert.equal(half.code, 2);
  assert.match(
    half.stderr,
    /--tls-cert: Cannot serve TLS without --tls-key: expected both files/,
  );
  const deno = await runDeno("server/main.ts", [
    "--tls-cert",
    "x.pem",
    "--tls-key",
    "x.key",
    "--transport",
    "deno",
  ]);
  assert.equal(deno.code, 2);
  assert.match(deno.stderr, /--transport: Cannot serve TLS on "deno"/);
  const missing = await runDeno("server/main.ts", [
    "--port",
    "0",
    "--tls-cert",
    "/nonexistent/cert.pem",
    "--tls-key",
    "/nonexistent/key.pem",
  ]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^server: Cannot read --tls-cert "\/nonexistent\/cert.pem": /,
  );
  const ca = await runDeno("client/main.ts", [
    "-n",
    "A",
    "--ca",
    "/nonexistent/ca.pem",
  ]);
  assert.equal(ca.code, 2);
  assert.match(ca.stderr, /--ca: Cannot read "\/nonexistent\/ca.pem"/);
});
