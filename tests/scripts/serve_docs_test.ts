import assert from "node:assert/strict";
import { join } from "node:path";
import {
  candidateFiles,
  handleDocsRequest,
  serveDocs,
} from "../../scripts/serve_docs.ts";
import { runDeno } from "../_helpers/run.ts";

async function site(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `docs_site_${Deno.pid}_` });
  await Deno.mkdir(join(dir, "guide"));
  await Deno.writeTextFile(join(dir, "index.html"), "<h1>home</h1>");
  await Deno.writeTextFile(join(dir, "page.html"), "<h1>page</h1>");
  await Deno.writeTextFile(join(dir, "guide/index.html"), "<h1>guide</h1>");
  await Deno.writeTextFile(join(dir, "404.html"), "<h1>lost</h1>");
  await Deno.writeTextFile(join(dir, "chart.svg"), "<svg/>");
  return dir;
}

Deno.test("candidateFiles() maps clean URLs to files and refuses paths outside the root", () => {
  assert.deepEqual(candidateFiles("/site", "/"), ["/site/index.html"]);
  assert.deepEqual(candidateFiles("/site", "/page"), [
    "/site/page",
    "/site/page.html",
    "/site/page/index.html",
  ]);
  assert.deepEqual(candidateFiles("/site", "/a.svg"), ["/site/a.svg"]);
  assert.equal(candidateFiles("/site", "/../etc/passwd"), null);
  assert.equal(candidateFiles("/site", "/%2e%2e/etc/passwd"), null);
  assert.equal(candidateFiles("/site", "/%E0%A4%A"), null);
  assert.equal(candidateFiles("/site", "/a%00b"), null);
});

Deno.test("handleDocsRequest() serves pages with their type, 404.html for unknown paths and refuses writes", async () => {
  const dir = await site();
  try {
    const get = (path: string, method = "GET") =>
      handleDocsRequest(dir, new Request(`http://x${path}`, { method }));
    let response = await get("/");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "<h1>home</h1>");
    response = await get("/page");
    assert.equal(await response.text(), "<h1>page</h1>");
    response = await get("/guide/");
    assert.equal(await response.text(), "<h1>guide</h1>");
    response = await get("/chart.svg");
    assert.equal(response.headers.get("content-type"), "image/svg+xml");
    await response.body?.cancel();
    response = await get("/missing.html");
    assert.equal(response.status, 404);
    assert.equal(await response.text(), "<h1>lost</h1>");
    response = await get("/page.html", "HEAD");
    assert.equal(response.status, 200);
    assert.equal(response.body, null);
    response = await get("/page.html", "POST");
    assert.equal(response.status, 405);
    await response.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveDocs() listens on a free loopback port and stops when aborted", async () => {
  const dir = await site();
  const controller = new AbortController();
  const server = serveDocs(dir, { port: 0, signal: controller.signal });
  try {
    assert.equal(server.addr.hostname, "127.0.0.1");
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/page`);
    assert.equal(await response.text(), "<h1>page</h1>");
  } finally {
    controller.abort();
    await server.finished;
    await Deno.remove(dir, { recursive: true });
  }
});

for (const script of ["scripts/serve_docs.ts", "scripts/build_docs.ts"]) {
  Deno.test(`${script} rejects an unknown flag with one line on stderr and exit code 2`, async () => {
    const output = await runDeno(script, ["--bogus"]);
    const stderr = output.stderr.trim();
    assert.equal(output.code, 2);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.match(stderr, /--bogus/);
    assert.match(stderr, /^Unknown option/);
  });
}

Deno.test("scripts/serve_docs.ts rejects a port out of range with exit code 2", async () => {
  const output = await runDeno("scripts/serve_docs.ts", ["--port", "70000"]);
  assert.equal(output.code, 2);
  assert.match(output.stderr, /Invalid port "70000"/);
});
