import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer } from "../../server/mod.ts";
import { FakeServer } from "./_fake_server.ts";

const MAIN = fileURLToPath(new URL("../../client/main.ts", import.meta.url));

async function runCli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** A CLI client running as a subprocess, with its JSON output as events. */
class CliClient {
  readonly child: Deno.ChildProcess;
  readonly events: Record<string, unknown>[] = [];
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;

  constructor(args: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--json", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.child.stdin.getWriter();
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of this.child.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = pending.indexOf("\n")) !== -1) {
        this.events.push(JSON.parse(pending.slice(0, newline)));
        pending = pending.slice(newline + 1);
      }
    }
  }

  async waitFor(
    predicate: (event: Record<string, unknown>) => boolean,
    ms = 8000,
  ): Promise<Record<string, unknown>> {
    const start = Date.now();
    while (Date.now() - start < ms) {
      const found = this.events.find(predicate);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `No matching event within ${ms}ms; got ${JSON.stringify(this.events)}`,
    );
  }

  async type(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  async endInput(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }

  async finish(): Promise<Deno.CommandStatus> {
    await this.#writer.close().catch(() => {});
    const status = await this.child.status;
    await this.#reading;
    return status;
  }
}

Deno.test("client CLI: bad flags give one line on stderr and exit code 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--bogus"], /Unknown option '--bogus'/],
    [[], /Missing --name/],
    [["-n", "no spaces"], /^client: --name: Cannot use "no spaces"/],
    [["-n", "B", "--port", "70000"], /--port: Cannot use "70000"/],
    [["-n", "B", "--port", "ninety"], /--port: Cannot use "ninety"/],
    [
      ["-n", "B", "--adaptive-min", "5x"],
      /--adaptive-min: Cannot parse duration "5x"/,
    ],
    [
      ["-n", "B", "--adaptive-successes", "0"],
      /--adaptive-successes: Cannot use "0"/,
    ],
    [["-n", "B", "--adaptive-min", "3s", "--adaptive-max", "2s"], /below/],
    [["-n", "B", "stray"], /Unexpected argument 'stray'/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" ") || "(no flags)", async () => {
      const { code, stdout, stderr } = await runCli(args);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      const lines = stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `one line: ${stderr}`);
      assert.match(lines[0], pattern);
    });
  }
});

Deno.test("client CLI: --help prints the usage and exits 0", async () => {
  const { code, stdout } = await runCli(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: deno task client -n NAME/);
  assert.match(stdout, /--adaptive-min/);
});

Deno.test("client CLI: two clients talk through the real server, and A sees B go offline when B is killed", async () => {
  await using server = await startServer({
    port: 0,
    interval: 100,
    timeout: 2000,
  });
  const port = String(server.addr.port);
  const a = new CliClient(["-n", "A", "--port", port, "--watch", "B"]);
  let b: CliClient | undefined;
  try {
    await a.waitFor((e) => e.event === "welcome");
    await a.waitFor((e) =>
      e.event === "presence" && e.name === "B" && e.state === "offline"
    );
    b = new CliClient(["-n", "B", "--port", port]);
    await b.waitFor((e) => e.event === "welcome");
    await a.waitFor((e) =>
      e.event === "presence" && e.name === "B" && e.state === "online"
    );
    await b.type("@A hi");
    const message = await a.waitFor((e) => e.event === "message");
    assert.equal(message.from, "B");
    assert.equal(message.body, "hi");
    assert.match(String(message.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(typeof message.t, "number");
    b.child.kill("SIGKILL");
    await b.finish();
    const offline = await a.waitFor((e) =>
      e.event === "presence" && e.name === "B" && e.state === "offline" &&
      e.reason !== undefined
    );
    assert.equal(offline.reason, "closed");
    a.child.kill("SIGINT");
    const status = await a.finish();
    assert.equal(status.code, 0, "SIGINT closes cleanly");
    assert.ok(
      a.events.some((e) => e.event === "close" && e.reason === "closed"),
    );
  } finally {
    for (const c of b === undefined ? [a] : [a, b]) {
      try {
        c.child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await c.finish();
    }
  }
});

Deno.test("client CLI: end of stdin and SIGTERM close cleanly with exit 0, and text lines carry timestamps", async () => {
  await using server = await FakeServer.start({ interval: 100, timeout: 2000 });
  const port = String(server.port);
  const a = new CliClient(["-n", "A", "--port", port]);
  await a.waitFor((e) => e.event === "welcome");
  await a.type("bye all");
  await a.endInput();
  assert.equal((await a.finish()).code, 0);
  assert.ok(a.events.some((e) => e.event === "close" && e.reason === "closed"));
  assert.deepEqual(server.named("A")[0].frames[1], {
    type: "msg",
    body: "bye all",
  });

  const text = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "-n", "T", "--port", port, "--no-stdin"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const reading = (async () => {
    let pending = "";
    for await (
      const chunk of text.stdout.pipeThrough(new TextDecoderStream())
    ) {
      pending += chunk;
      lines.push(...pending.split("\n").slice(0, -1));
      pending = pending.slice(pending.lastIndexOf("\n") + 1);
    }
  })();
  const start = Date.now();
  while (
    !lines.some((l) => l.includes(" welcome ")) && Date.now() - start < 8000
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  text.kill("SIGTERM");
  const status = await text.status;
  await reading;
  assert.equal(status.code, 0);
  const welcome = lines.find((l) => l.includes(" welcome "));
  assert.match(welcome ?? "", /^\d{4}-\d\d-\d\dT[\d:.]+Z welcome id \d+/);
  assert.match(lines.at(-1) ?? "", /Z close closed$/);
});
