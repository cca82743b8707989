/**
 * Builds the browser client into one ES module for pages that do not use a
 * bundler, as `deno task build:browser` does: `deno bundle` (esbuild)
 * bundles `browser/mod.ts` and what it imports (zod's tree-shakable
 * `zod/mini` included) into `dist/lifeline.js`, minified, with a linked
 * source map. The build is not committed: the demo and the browser tests
 * build it before they serve it.
 *
 * ```sh
 * deno task build:browser
 * deno task build:browser --out /tmp/lifeline.js
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";

/** The repository root. */
export const ROOT: string = resolve(import.meta.dirname ?? ".", "..");

/** Where the build goes by default. */
export const BROWSER_BUNDLE: string = join(ROOT, "dist/lifeline.js");

/**
 * Bundles the browser client.
 *
 * @param outFile Where to write it.
 * @returns The bundle's size in bytes.
 * @throws {Error} When `deno bundle` fails, with its output.
 */
export async function buildBrowser(
  outFile: string = BROWSER_BUNDLE,
): Promise<number> {
  await Deno.mkdir(dirname(outFile), { recursive: true });
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--format",
      "esm",
      "--minify",
      "--sourcemap",
      "linked",
      "-o",
      outFile,
      join(ROOT, "browser/mod.ts"),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  if (!output.success) {
    const decoder = new TextDecoder();
    throw new Error(
      `Cannot bundle browser/mod.ts: ${decoder.decode(output.stderr)}${
        decoder.decode(output.stdout)
      }`,
    );
  }
  return (await Deno.stat(outFile)).size;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string" } },
  });
  const out = resolve(values.out ?? BROWSER_BUNDLE);
  const size = await buildBrowser(out);
  console.log(`${out}: ${(size / 1024).toFixed(1)} KiB`);
}
