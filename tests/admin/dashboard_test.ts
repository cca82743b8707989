// The dashboard in a real browser: Debian's Chromium through playwright-core
// opens the page the admin endpoint serves, 30 clients connect, 5 go silent,
// and the page must show 25 connections and 5 timeouts within timeout + tick
// + 2 s, without a console error. The screenshot goes to the docs' build
// output (docs/.vitepress/dist/operations/dashboard.png); with
// LIFELINE_UPDATE_SCREENSHOTS=1 it also replaces the committed copy that the
// docs page shows (docs/public/operations/dashboard.png).

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { startAdmin } from "../../admin/mod.ts";
import { startServer } from "../../server/mod.ts";
import { ignoreUnless } from "../_helpers/needs.ts";
import { REPO } from "../_helpers/run.ts";
import { delay, keepPinging, RawClient } from "../_helpers/server.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Where the docs build's output keeps the screenshot. */
export const SCREENSHOT = join(
  REPO,
  "docs/.vitepress/dist/operations/dashboard.png",
);
/** The committed copy the docs page shows. */
export const COMMITTED_SCREENSHOT = join(
  REPO,
  "docs/public/operations/dashboard.png",
);

const OPTIONS = {
  interval: 250,
  timeout: 1000,
  tick: 100,
  minPingInterval: 0,
} as const;

const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);

Deno.test({
  name:
    "the dashboard shows 25 connections and 5 timeouts within timeout + tick + 2 s after 5 of 30 clients go silent, without a console error",
  ignore: ignoreUnless(CHROMIUM, hasChromium, "tests/admin/dashboard_test.ts"),
}, async () => {
  await using server = await startServer({ port: 0, ...OPTIONS });
  await using admin = await startAdmin(server, { port: 0 });
  const url = `http://127.0.0.1:${admin.addr.port}/?refresh=200`;
  const userDataDir = await Deno.makeTempDir({
    prefix: `dashboard_chromium_${Deno.pid}_`,
  });
  const clients: RawClient[] = [];
  const stops: (() => void)[] = [];
  let context: BrowserContext | undefined;
  try {
    for (let i = 0; i < 30; i++) {
      const client = await RawClient.hello(
        server.addr.port,
        `client-${String(i).padStart(2, "0")}`,
      );
      clients.push(client);
      stops.push(keepPinging(client, 100));
    }
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`uncaught ${error.message}`));
    page.on(
      "requestfailed",
      (request) =>
        problems.push(
          `request failed: ${request.url()} (${request.failure()?.errorText})`,
        ),
    );
    page.on("response", (response) => {
      if (response.status() >= 400) {
        problems.push(`HTTP ${response.status()} for ${response.url()}`);
      }
    });
    await page.goto(url, { waitUntil: "load" });
    const text = (id: string) => page.locator(`#${id}`).textContent();
    await page.waitForFunction(
      'document.getElementById("connections").textContent === "30"',
      undefined,
      { timeout: 5000 },
    );
    assert.equal(await text("state"), "serving");
    assert.equal(await text("timeouts"), "0");

    // Five go silent.
    for (const stop of stops.slice(0, 5)) stop();
    const silencedAt = performance.now();
    const limit = OPTIONS.timeout + OPTIONS.tick + 2000;
    await page.waitForFunction(
      `document.getElementById("connections").textContent === "25" &&
       document.getElementById("timeouts").textContent === "5"`,
      undefined,
      { timeout: limit, polling: 50 },
    );
    const shownAfter = performance.now() - silencedAt;
    assert.ok(shownAfter < limit, `${shownAfter} ms`);
    assert.equal(await text("late-detections"), "0");
    // The recent events list names the silenced clients.
    const timeoutRows = await page.locator("#events td.kind-timeout").count();
    assert.equal(timeoutRows, 5);
    // Let the charts gather a few more points for the screenshot.
    await delay(1500);
    await Deno.mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (Deno.env.get("LIFELINE_UPDATE_SCREENSHOTS") === "1") {
      await Deno.mkdir(dirname(COMMITTED_SCREENSHOT), { recursive: true });
      await Deno.copyFile(SCREENSHOT, COMMITTED_SCREENSHOT);
    }
    assert.deepEqual(problems, []);
  } finally {
    for (const stop of stops) stop();
    await context?.close();
    await Promise.all(clients.map((c) => c.close()));
    await Deno.remove(userDataDir, { recursive: true });
  }
});
