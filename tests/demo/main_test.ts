// The demo's command line, run as a subprocess: it serves the page, the
// browser build and where the WebSocket listener is, and stops on SIGTERM.
import assert from "node:assert/strict";
import { buildBrowser } from "../../scripts/build_browser.ts";
import { REPO } from "../_helpers/run.ts";
import { WsClient } from "../_helpers/ws_client.ts";

Deno.test("deno task demo serves the page, the browser build and the WebSocket URL, and exits 0 on SIGTERM", async () => {
  await buildBrowser();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "demo/main.ts",
      "--http",
      "0",
      "--port",
      "0",
      "--ws",
      "0",
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  const page = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text)?.[1];
  assert.ok(page, text);
  const html = await (await fetch(page)).text();
  assert.match(html, /<title>Lifeline in the browser<\/title>/);
  const bundle = await fetch(`${page}lifeline.js`);
  assert.equal(bundle.status, 200);
  assert.match(await bundle.text(), /BrowserClient/);
  const config = await (await fetch(`${page}config.json`)).json();
  const wsPort = Number(new URL(config.ws).port);
  await using ws = await WsClient.hello(wsPort, "demo-test");
  assert.equal(ws.frames[0].type, "welcome");
  assert.equal((await fetch(`${page}../../etc/passwd`)).status, 404);
  child.kill("SIGTERM");
  assert.equal((await child.status).code, 0);
  await child.stdout.cancel().catch(() => {});
});

Deno.test("the demo refuses a bad flag with one line and exit code 2", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "demo/main.ts", "--interval", "5x"],
    cwd: REPO,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 2);
  assert.match(stderr, /^demo: --interval: Cannot parse duration "5x"/);
});
