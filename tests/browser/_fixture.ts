/**
 * The scene of the browser tests: a Lifeline server with a WebSocket
 * listener, the demo site (built with `deno task build:browser`'s script),
 * and Chromium, whose pages sign in on the demo page. Every event the
 * page's client fires is in `globalThis.lifeline.log` with its `Date.now()`
 * time, which the tests read and compare with their own clock (one
 * machine, one wall clock).
 *
 * @module
 */

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { serveDemoSite } from "../../demo/site.ts";
import { buildBrowser, ROOT } from "../../scripts/build_browser.ts";
import {
  type LifelineServer,
  type ServerOptions,
  startServer,
} from "../../server/mod.ts";
import { Chromium, type TestPage } from "../_helpers/chromium.ts";

/** The liveness settings of the browser tests: short, real intervals. */
export const TIMING = {
  interval: 250,
  timeout: 1000,
  tick: 100,
  suspectAfter: 375,
} as const;

/** One entry of a page's client log. */
export interface LogEntry {
  t: number;
  type: string;
  // deno-lint-ignore no-explicit-any
  detail: any;
}

let built: Promise<number> | undefined;

/** The browser bundle the pages load, built once per test process. */
export const BUNDLE = join(ROOT, "dist/lifeline.js");

/** A server, the demo site and Chromium. */
export class Scene implements AsyncDisposable {
  server: LifelineServer;
  readonly site: Deno.HttpServer<Deno.NetAddr>;
  readonly chromium: Chromium;
  readonly options: ServerOptions;

  private constructor(
    server: LifelineServer,
    site: Deno.HttpServer<Deno.NetAddr>,
    chromium: Chromium,
    options: ServerOptions,
  ) {
    this.server = server;
    this.site = site;
    this.chromium = chromium;
    this.options = options;
  }

  /** Starts the scene with the test timing (and `options` over it). */
  static async start(options: ServerOptions = {}): Promise<Scene> {
    built ??= buildBrowser(BUNDLE);
    await built;
    const all: ServerOptions = {
      port: 0,
      ws: { port: 0 },
      minPingInterval: 0,
      ...TIMING,
      ...options,
    };
    const server = await startServer(all);
    const site = serveDemoSite({
      wsUrl: `ws://127.0.0.1:${server.wsAddr!.port}/`,
      port: 0,
      bundle: BUNDLE,
    });
    const chromium = await Chromium.launch();
    return new Scene(server, site, chromium, all);
  }

  /** Restarts the server on the same ports (after `server.close()`). */
  async restartServer(): Promise<void> {
    const tcpPort = this.server.addr.port;
    const wsPort = this.server.wsAddr!.port;
    this.server = await startServer({
      ...this.options,
      port: tcpPort,
      ws: { port: wsPort },
    });
  }

  /** Opens the demo page signed in as `name`, watching `watch`. */
  async page(
    name: string,
    watch: string[] = [],
    query: Record<string, string> = {},
  ): Promise<TestPage> {
    const params = new URLSearchParams({
      name,
      watch: watch.join(","),
      ...query,
    });
    const page = await this.chromium.open(
      `http://127.0.0.1:${this.site.addr.port}/?${params}`,
    );
    await waitForLog(page, (e) => e.type === "welcome", 5000);
    return page;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.chromium[Symbol.asyncDispose]();
    await this.site.shutdown();
    await this.server.close();
  }
}

/** A page's client log so far. */
export function log(page: TestPage): Promise<LogEntry[]> {
  // Empty until the page's script has run.
  return page.page.evaluate("globalThis.lifeline?.log ?? []") as Promise<
    LogEntry[]
  >;
}

/** Waits for a log entry matching `match` and returns it. */
export async function waitForLog(
  page: TestPage,
  match: (entry: LogEntry) => boolean,
  ms = 5000,
  what = "a log entry",
): Promise<LogEntry> {
  const deadline = Date.now() + ms;
  while (true) {
    const found = (await log(page)).find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}: ${
          JSON.stringify((await log(page)).slice(-15))
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The presence entries about `name` in a log, as `state reason` text. */
export function presenceOf(entries: LogEntry[], name: string): LogEntry[] {
  return entries.filter((e) => e.type === "presence" && e.detail.name === name);
}

/** `state` or `state reason`, for comparing presence sequences. */
export function stateText(entry: LogEntry): string {
  return entry.detail.reason === undefined
    ? entry.detail.state
    : `${entry.detail.state} ${entry.detail.reason}`;
}

const SHOTS = join(ROOT, "docs/.vitepress/dist/browser");
const COMMITTED = join(ROOT, "docs/public/browser");

/**
 * Saves a screenshot of a page for the docs, into the site's build output;
 * with `LIFELINE_UPDATE_SCREENSHOTS=1` also over the committed copy in
 * `docs/public/browser/` that the docs page shows.
 */
export async function screenshot(page: TestPage, file: string): Promise<void> {
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.page.screenshot({ path: join(SHOTS, file), fullPage: true });
  if (Deno.env.get("LIFELINE_UPDATE_SCREENSHOTS") === "1") {
    await Deno.mkdir(dirname(join(COMMITTED, file)), { recursive: true });
    await Deno.copyFile(join(SHOTS, file), join(COMMITTED, file));
  }
}

/** Prints one measurement as a line the docs quote (`MEASURE {...}`). */
export function measure(name: string, values: Record<string, unknown>): void {
  console.log(`MEASURE ${JSON.stringify({ name, ...values })}`);
}

/** Fails with every page's problems, except those `allowed` matches. */
export function assertNoProblems(
  pages: TestPage[],
  allowed: RegExp[] = [],
): void {
  const problems = pages.flatMap((p) =>
    p.problems.filter((text) => !allowed.some((pattern) => pattern.test(text)))
  );
  assert.deepEqual(problems, []);
}
