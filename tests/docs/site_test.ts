// End-to-end check of the docs site: build it, serve it on loopback, open
// every page in headless Chromium and fail on a broken internal link, a
// missing image, a failed request or a console error. Saves a screenshot of
// the comparison page to docs/.vitepress/dist/comparison.png.

import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { allPages, API_LINK } from "../../docs/.vitepress/site_map.ts";
import { DIST_DIR, serveDocs } from "../../scripts/serve_docs.ts";
import { ignoreUnless } from "../_helpers/needs.ts";
import { runDeno } from "../_helpers/run.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// The crawl is bounded so that a link generator gone wrong cannot hang CI.
const MAX_PAGES = 3000;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

const skip = ignoreUnless(
  CHROMIUM,
  await exists(CHROMIUM),
  "tests/docs/site_test.ts",
);

/** Builds the site with the CLI, as `deno task docs` does. */
async function buildSite(): Promise<void> {
  const output = await runDeno("scripts/build_docs.ts", ["--quiet"]);
  assert.equal(
    output.code,
    0,
    `deno task docs failed:\n${output.stdout}${output.stderr}`,
  );
}

interface Visit {
  status: number;
  links: string[];
  ids: Set<string>;
}

/**
 * Whether a page is opened in Chromium. Every VitePress page is; of the API
 * reference (about a thousand pages written by `deno doc --html`, one per
 * symbol and member) the index pages are, and the rest are fetched and their
 * links and assets checked over HTTP, which keeps the whole check well under
 * two minutes.
 */
function opensInBrowser(url: string): boolean {
  const path = new URL(url).pathname;
  return !path.startsWith("/api/") ||
    /^\/api\/([^/~]+\/)?(index|all_symbols)\.html$/.test(path);
}

const checkedAssets = new Set<string>();

/** Fetches a page without a browser and checks the files it links to. */
async function fetchPage(url: string, problems: string[]): Promise<Visit> {
  const response = await fetch(url);
  const html = await response.text();
  if (response.status !== 200) {
    return { status: response.status, links: [], ids: new Set() };
  }
  const links: string[] = [];
  const ids = new Set<string>();
  for (const match of html.matchAll(/\s(href|src|id)="([^"]*)"/g)) {
    const value = unescapeHtml(match[2]);
    if (match[1] === "id") {
      ids.add(value);
      continue;
    }
    if (/^(mailto|javascript|data):/.test(value)) continue;
    const target = new URL(value, url);
    target.hash = target.hash === "#" ? "" : target.hash;
    const isPage = target.pathname.endsWith(".html") ||
      target.pathname.endsWith("/");
    if (isPage) {
      links.push(target.href);
      continue;
    }
    if (target.origin !== new URL(url).origin) continue;
    target.hash = "";
    if (checkedAssets.has(target.href)) continue;
    checkedAssets.add(target.href);
    const asset = await fetch(target.href, { method: "HEAD" });
    await asset.body?.cancel();
    if (asset.status !== 200) {
      problems.push(`${url}: HTTP ${asset.status} for ${target.href}`);
    }
  }
  return { status: response.status, links, ids };
}

function unescapeHtml(text: string): string {
  return text.replace(
    /&#x([0-9a-f]+);/gi,
    (_, hex) => String.fromCodePoint(parseInt(hex, 16)),
  ).replace(/&#([0-9]+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/**
 * Evaluates `script` in the page; when the page navigates on its own (deno
 * doc's redirect pages use a meta refresh), waits for the new page and
 * evaluates there.
 */
async function evaluateSettled(page: Page, script: string): Promise<unknown> {
  for (let attempt = 1;; attempt++) {
    try {
      return await page.evaluate(script);
    } catch (error) {
      const navigated = /context was destroyed|navigat/i.test(
        (error as Error).message,
      );
      if (!navigated || attempt === 5) throw error;
      await page.waitForLoadState("load");
    }
  }
}

/** Opens one page and reports its problems into `problems`. */
async function visit(
  page: Page,
  url: string,
  problems: string[],
): Promise<Visit> {
  const response = await page.goto(url, { waitUntil: "load" });
  const status = response?.status() ?? 0;
  // Runs in the page (as text: this file is type-checked without the DOM
  // library). Waits for every image to settle, then lists them, the links
  // and the element ids.
  const found = await evaluateSettled(
    page,
    `(async () => {
    const images = Array.from(document.images);
    await Promise.all(images.map((img) => img.complete ? null :
      new Promise((done) => {
        img.addEventListener("load", done, { once: true });
        img.addEventListener("error", done, { once: true });
      })));
    return {
      images: images.map((img) => ({
        src: img.currentSrc || img.src,
        ok: img.complete && img.naturalWidth > 0,
      })),
      links: Array.from(document.querySelectorAll("a[href]"), (a) => a.href),
      ids: Array.from(document.querySelectorAll("[id]"), (node) => node.id),
    };
  })()`,
  ) as {
    images: { src: string; ok: boolean }[];
    links: string[];
    ids: string[];
  };
  for (const image of found.images) {
    if (!image.ok) problems.push(`${url}: image did not load: ${image.src}`);
  }
  const links = found.links;
  const ids = new Set(found.ids);
  return { status, links, ids };
}

Deno.test({
  name:
    "the docs site builds and every page opens in Chromium without a broken link, missing image or console error",
  ignore: skip,
  sanitizeResources: true,
  sanitizeOps: true,
}, async (t) => {
  await t.step("deno task docs builds the site", buildSite);

  const controller = new AbortController();
  const server = serveDocs(DIST_DIR, { port: 0, signal: controller.signal });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const userDataDir = await Deno.makeTempDir({
    prefix: `docs_chromium_${Deno.pid}_`,
  });
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    let current = "";
    page.on("console", (message) => {
      if (message.type() === "error") {
        problems.push(`${current}: console error: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => {
      problems.push(`${current}: uncaught ${error.message}`);
    });
    page.on("requestfailed", (request) => {
      // A request cut short by the next navigation is not a missing file;
      // missing files show up as HTTP errors below.
      if (request.failure()?.errorText === "net::ERR_ABORTED") return;
      problems.push(
        `${current}: request failed: ${request.url()} (${request.failure()?.errorText})`,
      );
    });
    page.on("response", (response) => {
      if (response.url().startsWith(origin) && response.status() >= 400) {
        problems.push(
          `${current}: HTTP ${response.status()} for ${response.url()}`,
        );
      }
    });

    await t.step("every page reachable from the home page opens", async () => {
      const start = [
        "/",
        ...allPages().map((p) => `${p.link}.html`),
        API_LINK,
      ];
      const queue = start.map((path) => new URL(path, origin).href);
      const seen = new Set(queue);
      const visited = new Map<string, Visit>();
      let inBrowser = 0;
      // link target (with fragment) -> a page that links to it
      const fragments = new Map<string, string>();
      while (queue.length > 0) {
        assert.ok(
          visited.size < MAX_PAGES,
          `More than ${MAX_PAGES} pages: is a link generator looping?`,
        );
        const url = queue.shift()!;
        current = url;
        let result: Visit;
        if (opensInBrowser(url)) {
          result = await visit(page, url, problems);
          inBrowser++;
        } else {
          result = await fetchPage(url, problems);
        }
        visited.set(url, result);
        if (result.status !== 200) {
          problems.push(`${url}: HTTP ${result.status}`);
          continue;
        }
        for (const link of result.links) {
          const target = new URL(link, url);
          if (target.origin !== origin) continue;
          if (target.hash.length > 1) fragments.set(target.href, url);
          target.hash = "";
          if (!seen.has(target.href)) {
            seen.add(target.href);
            queue.push(target.href);
          }
        }
      }
      for (const [href, from] of fragments) {
        const target = new URL(href);
        const id = decodeURIComponent(target.hash.slice(1));
        target.hash = "";
        const ids = visited.get(target.href)?.ids;
        if (ids !== undefined && ids.size > 0 && !ids.has(id)) {
          problems.push(`${from}: link to a missing anchor ${href}`);
        }
      }
      const pages = [...visited.keys()].map((url) => new URL(url).pathname);
      for (const expected of allPages()) {
        assert.ok(
          pages.includes(`${expected.link}.html`),
          `The site has no page ${expected.link}.html`,
        );
      }
      assert.ok(pages.includes(API_LINK), "The API reference is missing");
      console.log(
        `Checked ${visited.size} pages, ${inBrowser} of them in Chromium`,
      );
      assert.deepEqual(problems, []);
    });

    await t.step(
      "clicking the API link leaves the VitePress app for deno doc's reference",
      async () => {
        problems.length = 0;
        current = `${origin}/heartbeats.html`;
        await page.goto(current, { waitUntil: "load" });
        await Promise.all([
          page.waitForURL(`${origin}${API_LINK}`, { waitUntil: "load" }),
          page.locator(`.VPNavBar a[href="${API_LINK}"]`).first().click(),
        ]);
        // deno doc's pages have no VitePress app in them.
        assert.equal(await page.locator("#app").count(), 0);
        assert.ok(
          (await page.title()).includes("Lifeline"),
          `Unexpected API page title "${await page.title()}"`,
        );
        assert.deepEqual(problems, []);
      },
    );

    await t.step(
      "the comparison page shows the lab's tables and charts",
      async () => {
        problems.length = 0;
        current = `${origin}/comparison.html`;
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(current, { waitUntil: "load" });
        const rows = await page.locator(".lab-results tbody tr").count();
        assert.ok(rows > 0, "No measured rows on the comparison page");
        const charts = await page.locator('img[src*="/charts/"]').count();
        assert.ok(charts > 0, "No charts on the comparison page");
        await page.screenshot({
          path: join(DIST_DIR, "comparison.png"),
          fullPage: true,
        });
        assert.deepEqual(problems, []);
      },
    );
  } finally {
    await context?.close();
    controller.abort();
    await server.finished;
    await Deno.remove(userDataDir, { recursive: true });
  }
});
