/**
 * Builds the docs site, as `deno task docs` does: VitePress renders `docs/`
 * into `docs/.vitepress/dist/` (the measured results come from
 * `lab/results/latest.json` through a data loader), then `deno doc --html`
 * writes the API reference from the JSDoc into `dist/api/`.
 *
 * The docs toolchain (VitePress, Vue) is a project of its own,
 * `docs/package.json` with its lock file `docs/deno.lock`, installed into
 * `docs/node_modules/` by `deno install --frozen` on each build (a no-op
 * when it is up to date). It is kept out of the root's `package.json` and
 * import map because Deno downloads every npm package listed there on the
 * first run of anything, the server included.
 *
 * ```sh
 * deno task docs
 * deno task docs:serve
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join, resolve } from "node:path";

/** The repository root. */
export const ROOT: string = resolve(import.meta.dirname ?? ".", "..");

/** The public entry points whose JSDoc becomes the API reference. */
export const API_ENTRY_POINTS: readonly string[] = [
  "mod.ts",
  "server/mod.ts",
  "admin/mod.ts",
  "client/mod.ts",
  "browser/mod.ts",
  "protocol/mod.ts",
  "transport/mod.ts",
  "liveness/mod.ts",
  "auth/mod.ts",
  "cluster/mod.ts",
  "sysctl/mod.ts",
  "detection/mod.ts",
];

/** Options for {@linkcode buildDocs}. */
export interface BuildDocsOptions {
  /**
   * The repository root.
   *
   * @default {ROOT}
   */
  root?: string;
  /**
   * Print the tools' output.
   *
   * @default {true}
   */
  verbose?: boolean;
}

/** What {@linkcode buildDocs} produced. */
export interface BuildDocsResult {
  /** The directory holding the built site. */
  outDir: string;
  /** The entry points documented in the API reference. */
  entryPoints: string[];
  /** Wall-clock time of the whole build in milliseconds. */
  durationMs: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function run(
  args: string[],
  cwd: string,
  verbose: boolean,
): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(output.stdout) +
    new TextDecoder().decode(output.stderr);
  if (verbose || !output.success) console.log(text.trimEnd());
  if (!output.success) {
    throw new Error(
      `Command "deno ${args.join(" ")}" failed with exit code ${output.code}`,
    );
  }
}

/**
 * Builds the site and the API reference.
 *
 * @param options Where the repository is and how strict to be.
 * @returns Where the site is and what went into the API reference.
 * @throws {Error} When installing the docs toolchain, VitePress or
 * `deno doc` fails, or an entry point is missing.
 *
 * @example Build the site
 * ```ts ignore
 * import { buildDocs } from "./build_docs.ts";
 * const result = await buildDocs();
 * console.log(result.outDir);
 * ```
 */
export async function buildDocs(
  options: BuildDocsOptions = {},
): Promise<BuildDocsResult> {
  const started = performance.now();
  const root = options.root ?? ROOT;
  const verbose = options.verbose ?? true;
  const outDir = join(root, "docs/.vitepress/dist");

  const entryPoints = [...API_ENTRY_POINTS];
  for (const entry of entryPoints) {
    if (!await exists(join(root, entry))) {
      throw new Error(
        `Cannot build the API reference: missing entry point "${entry}"`,
      );
    }
  }

  // The data loader imports lab/results_schema.ts, whose zod resolves from
  // the root's node_modules: put it there on a fresh clone (zod alone).
  if (!await exists(join(root, "node_modules/zod/package.json"))) {
    await run(
      ["install", "--entrypoint", "lab/results_schema.ts"],
      root,
      verbose,
    );
  }
  const docs = join(root, "docs");
  await run(["install", "--frozen"], docs, verbose);
  await run(["run", "-A", "npm:vitepress", "build"], docs, verbose);
  await run(
    [
      "doc",
      "--html",
      "--name=Lifeline",
      `--output=${join(outDir, "api")}`,
      ...entryPoints,
    ],
    root,
    verbose,
  );
  return {
    outDir,
    entryPoints,
    durationMs: Math.round(performance.now() - started),
  };
}

if (import.meta.main) {
  const usage = "Usage: deno task docs [--quiet]";
  let values: { quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        quiet: { type: "boolean", short: "q" },
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
  try {
    const result = await buildDocs({ verbose: !values.quiet });
    console.log(
      `Built the docs into ${result.outDir} in ${result.durationMs} ms`,
    );
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
