/**
 * Debian's Chromium for the browser tests, driven by playwright-core over
 * the DevTools protocol. Chromium is started here, not by playwright's
 * `launch()`, and attached with `connectOverCDP({ noDefaults: true })`:
 * playwright's own launch turns off background timer throttling and
 * renderer backgrounding, and its pages emulate focus, which keeps them
 * "visible" for good, so a page could never be hidden or frozen. Chrome's
 * intensive wake-up throttling (timers once a minute after 5 minutes
 * hidden) starts here after `INTENSIVE_THROTTLING_AFTER_S` instead.
 *
 * @module
 */

import { chromium } from "playwright-core";
import type {
  Browser,
  BrowserContext,
  CDPSession,
  Page,
} from "playwright-core";
import { ignoreUnless } from "./needs.ts";

/** Where Debian puts Chromium (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** Seconds hidden before intensive wake-up throttling starts. */
export const INTENSIVE_THROTTLING_AFTER_S = 2;

const HAS_CHROMIUM = await Deno.stat(CHROMIUM).then(() => true, () => false);

/**
 * The `ignore` of a browser test: skipped (and says so) without Chromium,
 * never under `CI=true`.
 */
export function needsChromium(file: string): boolean {
  return ignoreUnless(CHROMIUM, HAS_CHROMIUM, file);
}

/** A page and what went wrong on it. */
export interface TestPage {
  page: Page;
  cdp: CDPSession;
  /** Console errors, uncaught exceptions and failed requests, as text. */
  problems: string[];
}

/** A running Chromium. */
export class Chromium implements AsyncDisposable {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly pages: TestPage[] = [];
  #child: Deno.ChildProcess;
  #dir: string;

  private constructor(
    browser: Browser,
    child: Deno.ChildProcess,
    dir: string,
  ) {
    this.browser = browser;
    this.context = browser.contexts()[0];
    this.#child = child;
    this.#dir = dir;
  }

  /** Starts Chromium headless (as root: without the sandbox). */
  static async launch(): Promise<Chromium> {
    const dir = await Deno.makeTempDir({ prefix: "lifeline_chromium_" });
    const child = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        `--user-data-dir=${dir}`,
        `--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/${INTENSIVE_THROTTLING_AFTER_S}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    let endpoint: string | undefined;
    const deadline = Date.now() + 20_000;
    while (endpoint === undefined && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(text)?.[1];
    }
    // Drain the rest of stderr so Chromium never blocks on it.
    (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});
    if (endpoint === undefined) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`Chromium did not start: ${text}`);
    }
    const browser = await chromium.connectOverCDP(endpoint, {
      noDefaults: true,
    });
    return new Chromium(browser, child, dir);
  }

  /**
   * Opens a page in a window of its own (tabs of one window hide each
   * other) and records its problems.
   */
  async open(url: string): Promise<TestPage> {
    const session = await this.browser.newBrowserCDPSession();
    const opened = this.context.waitForEvent("page");
    await session.send("Target.createTarget", {
      url: "about:blank",
      newWindow: true,
    });
    const page = await opened;
    await session.detach();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") {
        problems.push(`console error: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`uncaught ${error.message}`));
    page.on("requestfailed", (request) => {
      problems.push(
        `request failed: ${request.url()} (${request.failure()?.errorText})`,
      );
    });
    const cdp = await this.context.newCDPSession(page);
    await cdp.send("Network.enable");
    await page.goto(url, { waitUntil: "load" });
    const opened_ = { page, cdp, problems };
    this.pages.push(opened_);
    return opened_;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.browser.close().catch(() => {});
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Gone.
    }
    await this.#child.status;
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** Cuts a page's network (`offline`) or gives it back. */
export async function setOffline(page: TestPage, offline: boolean) {
  await page.cdp.send("Network.emulateNetworkConditions", {
    offline,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

/** Minimizes or restores a page's window: the page is hidden or visible. */
export async function setMinimized(page: TestPage, minimized: boolean) {
  const { windowId } = await page.cdp.send("Browser.getWindowForTarget");
  await page.cdp.send("Browser.setWindowBounds", {
    windowId,
    bounds: { windowState: minimized ? "minimized" : "normal" },
  });
}

/** Freezes a page (`frozen`, which hides it first) or resumes it. */
export async function setFrozen(page: TestPage, frozen: boolean) {
  await page.cdp.send("Page.setWebLifecycleState", {
    state: frozen ? "frozen" : "active",
  });
}
