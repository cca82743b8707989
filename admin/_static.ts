/**
 * The dashboard's files (`admin/dashboard/`), read from beside this module
 * once and kept: they are served by the admin endpoint itself, so the page
 * works offline, without a CDN.
 *
 * @module
 */

/** A file of the dashboard. */
export interface StaticFile {
  /** The bytes. */
  body: Uint8Array;
  /** Its content type. */
  type: string;
}

const FILES: Record<string, [string, string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/dashboard.js": ["dashboard.js", "text/javascript; charset=utf-8"],
  "/dashboard.css": ["dashboard.css", "text/css; charset=utf-8"],
};

const cache = new Map<string, Promise<StaticFile>>();

/**
 * The dashboard file served at a path, if there is one.
 *
 * @param path The request's path, such as `/` or `/dashboard.js`.
 * @returns The file, or `undefined` when no file is served there.
 */
export function dashboardFile(path: string): Promise<StaticFile> | undefined {
  const entry = FILES[path];
  if (entry === undefined) return undefined;
  let file = cache.get(path);
  if (file === undefined) {
    const [name, type] = entry;
    // fetch() reads file: and https: URLs alike, so this works from a
    // checkout and from the published package.
    file = fetch(new URL(`./dashboard/${name}`, import.meta.url))
      .then(async (response) => {
        if (!response.ok) {
          throw new Error(`Cannot read dashboard/${name}: ${response.status}`);
        }
        return { body: new Uint8Array(await response.arrayBuffer()), type };
      });
    file.catch(() => cache.delete(path));
    cache.set(path, file);
  }
  return file;
}
