/**
 * VitePress data loader: reads the lab's results at build time and hands the
 * pages a ready-made view (see `lab_view.ts`). The results file is
 * `lab/results/latest.json`, or the file named by the environment variable
 * `LIFELINE_LAB_RESULTS`; the charts are the SVG files in
 * `docs/public/charts/`.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { defineLoader } from "vitepress";
import { parseLabResults } from "../../lab/results_schema.ts";
import { buildLabView, type LabView } from "./lab_view.ts";

const resultsPath = process.env.LIFELINE_LAB_RESULTS ||
  fileURLToPath(new URL("../../lab/results/latest.json", import.meta.url));
const chartsDir = fileURLToPath(new URL("../public/charts/", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
// VitePress globs the watched paths; a file outside the repository (a results
// file given by LIFELINE_LAB_RESULTS) would make it crawl far and wide.
const watched = resultsPath.startsWith(repoRoot) ? [resultsPath] : [];

/** The view of the lab's results that the pages import as `data`. */
export declare const data: LabView;

export default defineLoader({
  watch: [...watched, `${chartsDir}*.svg`],
  load(): LabView {
    let text: string;
    try {
      text = readFileSync(resultsPath, "utf8");
    } catch (error) {
      throw new Error(
        `Cannot read the lab's results "${resultsPath}": run "deno task lab" first (${
          (error as Error).message
        })`,
      );
    }
    const results = parseLabResults(JSON.parse(text));
    const charts = existsSync(chartsDir)
      ? readdirSync(chartsDir)
        .filter((name) => name.endsWith(".svg"))
        .map((fileName) => ({
          fileName,
          svg: readFileSync(`${chartsDir}${fileName}`, "utf8"),
        }))
      : [];
    return buildLabView(results, charts);
  },
});
