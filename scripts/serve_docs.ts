/**
 * Serves the built docs site (`docs/.vitepress/dist`, API reference included)
 * over HTTP, as `deno task docs:serve` does. Run `deno task docs` first.
 *
 * ```sh
 * deno task docs:serve                 # http://127.0.0.1:4173/
 * deno task docs:serve --port 8080
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { extname, join, normalize, resolve } from "node:path";

/** Where `deno task docs` writes the site. */
export const DIST_DIR: string = resolve(
  import.meta.dirname ?? ".",
  "../docs/.vitepress/dist",
);

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
};

/** Options for {@linkcode serveDocs}. */
export interface ServeDocsOptions {
  /**
   * The address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port; 0 picks a free one.
   *
   * @default {4173}
   */
  port?: number;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
  /** Called once the server listens, with its address. */
  onListen?: (addr: Deno.NetAddr) => void;
}

/**
 * Maps a URL path to a file under the site root the way a static host does
 * for a VitePress build: `/` and `/dir/` serve `index.html`, and `/page`
 * falls back to `/page.html`. Paths that try to leave the root give `null`.
 *
 * @param root The site's root directory.
 * @param pathname The URL's path, still percent-encoded.
 * @returns The candidate files, most specific first, or `null`.
 *
 * @example Resolve a page
 * ```ts
 * import { candidateFiles } from "./serve_docs.ts";
 * console.log(candidateFiles("/site", "/guide/")); // ["/site/guide/index.html"]
 * ```
 */
export function candidateFiles(
  root: string,
  pathname: string,
): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const path = normalize(join(root, decoded));
  if (path !== root && !path.startsWith(root + "/")) return null;
  if (decoded.endsWith("/")) return [join(path, "index.html")];
  if (extname(path) === "") {
    return [path, `${path}.html`, join(path, "index.html")];
  }
  return [path];
}

async function readFirst(
  files: string[],
): Promise<{ path: string; body: Uint8Array<ArrayBuffer> } | null> {
  for (const path of files) {
    try {
      const info = await Deno.stat(path);
      if (!info.isFile) continue;
      return { path, body: await Deno.readFile(path) };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return null;
}

/**
 * Handles one request for a file under `root`; unknown paths get the site's
 * `404.html` with status 404.
 *
 * @param root The site's root directory.
 * @param request The HTTP request.
 * @returns The response.
 *
 * @example Serve a request without a server
 * ```ts
 * import { handleDocsRequest } from "./serve_docs.ts";
 * const response = await handleDocsRequest(
 *   "/nonexistent",
 *   new Request("http://localhost/x"),
 * );
 * console.log(response.status); // 404
 * ```
 */
export async function handleDocsRequest(
  root: string,
  request: Request,
): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method not allowed", { status: 405 });
  }
  const url = new URL(request.url);
  const files = candidateFiles(root, url.pathname);
  const found = files === null ? null : await readFirst(files);
  if (found === null) {
    const notFound = await readFirst([join(root, "404.html")]);
    return new Response(notFound?.body ?? "Not found", {
      status: 404,
      headers: { "content-type": CONTENT_TYPES[".html"] },
    });
  }
  const type = CONTENT_TYPES[extname(found.path)] ??
    "application/octet-stream";
  return new Response(request.method === "HEAD" ? null : found.body, {
    headers: { "content-type": type, "cache-control": "no-cache" },
  });
}

/**
 * Starts a static file server for the built site.
 *
 * @param root The directory to serve.
 * @param options Address, port and an abort signal.
 * @returns The running server; `finished` resolves once it has stopped.
 *
 * @example Serve on a free port and stop
 * ```ts ignore
 * import { DIST_DIR, serveDocs } from "./serve_docs.ts";
 * const controller = new AbortController();
 * const server = serveDocs(DIST_DIR, { port: 0, signal: controller.signal });
 * console.log(server.addr.port);
 * controller.abort();
 * await server.finished;
 * ```
 */
export function serveDocs(
  root: string,
  options: ServeDocsOptions = {},
): Deno.HttpServer<Deno.NetAddr> {
  const absolute = resolve(root);
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 4173,
    signal: options.signal,
    onListen: options.onListen ?? (() => {}),
  }, (request) => handleDocsRequest(absolute, request));
}

if (import.meta.main) {
  const usage = "Usage: deno task docs:serve [--host ADDRESS] [--port N]";
  let values: { host?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}. ${usage}`);
    Deno.exit(2);
  }
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  const port = Number(values.port ?? "4173");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Invalid port "${values.port}": expected 0 to 65535`);
    Deno.exit(2);
  }
  try {
    await Deno.stat(join(DIST_DIR, "index.html"));
  } catch {
    console.error(
      `No built site in "${DIST_DIR}": run "deno task docs" first`,
    );
    Deno.exit(1);
  }
  const server = serveDocs(DIST_DIR, {
    hostname: values.host,
    port,
    onListen: ({ hostname, port }) =>
      console.log(`Serving the docs at http://${hostname}:${port}/`),
  });
  Deno.addSignalListener("SIGINT", () => server.shutdown());
  await server.finished;
  Deno.exit(0);
}
