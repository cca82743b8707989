import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import {
  connectionsThatFit,
  openFileLimit,
} from "../../transport/_open_file_limit.ts";

const MAIN = new URL("../../server/main.ts", import.meta.url).pathname;

Deno.test("openFileLimit reads the soft limit, and connectionsThatFit keeps 64 files back", () => {
  const limits = [
    "Limit                     Soft Limit           Hard Limit           Units",
    "Max processes             95000                95000                processes",
    "Max open files            1024                 524288               files",
  ].join("\n");
  assert.equal(openFileLimit(() => limits), 1024);
  assert.equal(
    openFileLimit(() =>
      "Max open files            unlimited            unlimited            files"
    ),
    Infinity,
  );
  assert.equal(
    openFileLimit(() => {
      throw new Deno.errors.NotFound("no /proc");
    }),
    Infinity,
  );
  assert.equal(connectionsThatFit(1024), 960);
  assert.equal(connectionsThatFit(20), 1);
  assert.equal(connectionsThatFit(Infinity), Infinity);
});

interface Client {
  socket: Socket;
  first: Promise<string>;
}

function hello(port: number, name: string): Client {
  const socket = connect(port, "127.0.0.1");
  socket.setEncoding("utf8");
  socket.on("error", () => {});
  socket.write(`{"type":"hello","name":"${name}"}\n`);
  const first = new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (chunk: string) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline === -1) return;
      const type = JSON.parse(text.slice(0, newline)).type;
      // As Lifeline's client does: a bye is the end.
      if (type === "bye") socket.destroy();
      resolve(type);
    });
    socket.on("close", () => resolve("closed without a frame"));
  });
  return { socket, first };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}

Deno.test("under a low open-file limit the server refuses the surplus with bye and goes on accepting", async () => {
  // 100 files: room for 36 clients. Without the default limit, 100 clients
  // arriving ten at a time ran the server out of descriptors, and Deno's
  // node:net listener stopped accepting for good: the surplus, and every
  // later client, waited unanswered.
  const server = new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n 100 && exec "${Deno.execPath()}" run -A "${MAIN}" --port 0`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const clients: Client[] = [];
  try {
    let value = "";
    while (!value.includes("listening")) {
      const chunk = await lines.read();
      if (chunk.done) throw new Error(`the server exited: ${value}`);
      value += chunk.value;
    }
    assert.match(value, /at most 36 clients/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(value)?.[1]);
    for (let i = 0; i < 100; i++) {
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 50));
      clients.push(hello(port, `c${i}`));
    }
    const firsts = await within(
      Promise.all(clients.map((c) => c.first)),
      15_000,
      "a first frame for every client",
    );
    assert.equal(firsts.filter((t) => t === "welcome").length, 36);
    assert.equal(firsts.filter((t) => t === "bye").length, 64);
    // The welcomed leave; newcomers are served.
    clients.forEach((c, i) => {
      if (firsts[i] === "welcome") c.socket.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const later = Array.from({ length: 10 }, (_, i) => hello(port, `n${i}`));
    clients.push(...later);
    const again = await within(
      Promise.all(later.map((c) => c.first)),
      15_000,
      "a first frame for every later client",
    );
    assert.deepEqual(again, Array(10).fill("welcome"));
  } finally {
    for (const c of clients) c.socket.destroy();
    server.kill("SIGTERM");
    await lines.cancel();
    await server.status;
  }
});
