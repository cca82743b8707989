/**
 * Runs the browser tests several times and summarises the times they
 * measure (their `MEASURE {...}` lines): for each figure, the median and
 * the range over the runs, as the Markdown table in `docs/browser.md`.
 *
 * ```sh
 * deno run -A scripts/measure_browser.ts            # 5 runs
 * deno run -A scripts/measure_browser.ts --runs 10
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { median } from "../bench/_stats.ts";

const ROOT = resolve(import.meta.dirname ?? ".", "..");

/** One `MEASURE` line. */
type Measure = Record<string, unknown> & { name: string };

async function run(): Promise<Measure[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "tests/browser/"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`The browser tests failed:\n${text}`);
  }
  return [...text.matchAll(/^MEASURE (\{.*\})$/gm)].map((m) =>
    JSON.parse(m[1])
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string", default: "5" } },
  });
  const runs = Number(values.runs);
  const all: Measure[] = [];
  for (let i = 0; i < runs; i++) {
    console.error(`run ${i + 1} of ${runs}`);
    all.push(...await run());
  }
  const byName = Map.groupBy(all, (m) => m.name);
  console.log(
    `Chromium ${
      new TextDecoder().decode(
        (await new Deno.Command("/usr/bin/chromium", { args: ["--version"] })
          .output()).stdout,
      ).trim().split(" ")[1]
    }, Deno ${Deno.version.deno}, ${runs} runs; median (min to max), ms\n`,
  );
  for (const [name, measures] of byName) {
    console.log(`\n${name}\n`);
    console.log("| figure | median | range |");
    console.log("| --- | ---: | ---: |");
    for (const key of Object.keys(measures[0])) {
      const numbers = measures.map((m) => m[key]).filter((v) =>
        typeof v === "number"
      ) as number[];
      if (numbers.length !== measures.length || key === "name") continue;
      const fixed = (n: number) => String(Math.round(n));
      console.log(
        `| ${key} | ${fixed(median(numbers))} | ${
          fixed(Math.min(...numbers))
        } to ${fixed(Math.max(...numbers))} |`,
      );
    }
  }
}
