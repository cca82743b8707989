import assert from "node:assert/strict";
import { parseLabResults } from "../../lab/results_schema.ts";
import {
  adaptiveSpec,
  detectionRows,
  detectionSpec,
  renderSvg,
  withTitle,
} from "../../lab/charts.ts";

const LATEST = new URL("../../lab/results/latest.json", import.meta.url);

async function latest() {
  return parseLabResults(JSON.parse(await Deno.readTextFile(LATEST)));
}

Deno.test("detectionRows() places undetected cases at the cap and detected ones at their median", async () => {
  const results = await latest();
  const rows = detectionRows(results);
  assert.equal(
    rows.length,
    results.cases.filter((c) => c.runs.length > 0).length,
  );
  for (const row of rows) {
    assert.ok(row.seconds >= 0.001);
    if (row.status !== "detected") {
      assert.equal(row.seconds, results.parameters.capMs / 1000);
    }
  }
});

Deno.test("the detection chart renders to an SVG with a title, headless", async () => {
  const results = await latest();
  const svg = withTitle(await renderSvg(detectionSpec(results)), "Detection");
  assert.match(
    svg,
    /^<svg aria-label="Detection"[^>]*><title>Detection<\/title>/,
  );
  assert.ok(svg.includes("seconds after the fault"));
});

Deno.test("the adaptive chart draws the NAT timeout as a rule", async () => {
  const results = structuredClone(await latest());
  results.adaptive.samples = [
    { tMs: 0, intervalMs: 1000, event: "start" },
    { tMs: 5000, intervalMs: 2000, event: "step_up" },
  ];
  const svg = await renderSvg(adaptiveSpec(results));
  assert.ok(svg.includes("NAT idle timeout"));
});
