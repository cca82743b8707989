import assert from "node:assert/strict";
import { parseLabResults } from "../../lab/results_schema.ts";

const LATEST = new URL("../../lab/results/latest.json", import.meta.url);

async function latest() {
  return parseLabResults(JSON.parse(await Deno.readTextFile(LATEST)));
}

Deno.test("the committed lab/results/latest.json matches the results schema", async () => {
  const results = await latest();
  assert.match(results.kernel, /^\d+\.\d+/);
  assert.ok(results.cases.length > 0);
  for (const c of results.cases) {
    assert.equal(c.id, `${c.fault}/${c.mechanism}`);
    assert.equal(c.summary.runs, c.runs.length);
    for (const r of c.runs) {
      if (r.outcome === "detected") {
        assert.ok(
          r.detectionMs !== null && r.detectionMs <= results.parameters.capMs,
        );
      } else assert.equal(r.detectionMs, null);
    }
  }
});

Deno.test("parseLabResults() rejects a detection time that is negative", async () => {
  const results = structuredClone(await latest());
  results.cases[0].runs[0].detectionMs = -1;
  assert.throws(() => parseLabResults(results), { name: "ZodError" });
});
