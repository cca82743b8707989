/**
 * The demo's web site: the page (`public/`), the browser client's build
 * (`dist/lifeline.js`) and `/config.json`, which tells the page where the
 * Lifeline server's WebSocket listener is. The browser tests serve it too.
 *
 * @module
 */

import { extname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const PUBLIC = join(ROOT, "demo/public");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
};

/** Options for {@link serveDemoSite}. */
export interface DemoSiteOptions {
  /** The Lifeline server's WebSocket URL, given to the page. */
  wsUrl: string;
  /** The address to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** The port; `0` picks a free one. @default {8080} */
  port?: number;
  /** The browser bundle to serve as `/lifeline.js`. @default {dist/lifeline.js} */
  bundle?: string;
}

/**
 * Serves the demo site until the returned server is shut down.
 *
 * @param options Where the Lifeline server is, where to listen.
 * @returns The HTTP server.
 */
export function serveDemoSite(
  options: DemoSiteOptions,
): Deno.HttpServer<Deno.NetAddr> {
  const bundle = options.bundle ?? join(ROOT, "dist/lifeline.js");
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8080,
    onListen: () => {},
  }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/config.json") {
      return Response.json({ ws: options.wsUrl });
    }
    const file = path === "/"
      ? join(PUBLIC, "index.html")
      : path === "/lifeline.js"
      ? bundle
      : path === "/lifeline.js.map"
      ? `${bundle}.map`
      : join(PUBLIC, path.replace(/^\/+/, ""));
    if (!resolve(file).startsWith(PUBLIC) && !file.startsWith(bundle)) {
      return new Response("Not Found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(file);
      return new Response(body, {
        headers: {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-store",
        },
      });
    } catch {
      return new Response("Not Found", { status: 404 });
    }
  });
}
