import assert from "node:assert/strict";
import { parseLabResults } from "../../lab/results_schema.ts";
import {
  buildLabView,
  chartTitle,
  formatLabMs,
} from "../../docs/.vitepress/lab_view.ts";

const FIXTURE = new URL("../fixtures/docs/latest.json", import.meta.url);
const LATEST = new URL("../../lab/results/latest.json", import.meta.url);

async function fixture() {
  return parseLabResults(JSON.parse(await Deno.readTextFile(FIXTURE)));
}

Deno.test("formatLabMs() keeps lab times short and exact enough to compare", () => {
  assert.equal(formatLabMs(0), "0 ms");
  assert.equal(formatLabMs(849.6), "850 ms");
  assert.equal(formatLabMs(3150), "3.15 s");
  assert.equal(formatLabMs(15_000), "15.0 s");
  assert.equal(formatLabMs(125_000), "2 min 5 s");
  assert.equal(formatLabMs(7_875_000), "2 h 11 min 15 s");
});

Deno.test("chartTitle() prefers the SVG's own title, then its aria-label, then the file name", () => {
  assert.equal(
    chartTitle("a.svg", "<svg><title>Detection &amp; cost</title></svg>"),
    "Detection & cost",
  );
  assert.equal(
    chartTitle("a.svg", '<svg class="x" aria-label="Adaptive interval">'),
    "Adaptive interval",
  );
  assert.equal(
    chartTitle("detection_times-by-fault.svg", "<svg/>"),
    "Detection times by fault",
  );
});

Deno.test("buildLabView() lays the cases out as a mechanism × fault matrix in the lab's order", async () => {
  const results = await fixture();
  const view = buildLabView(results, []);
  assert.deepEqual(view.faults.map((f) => f.id), [
    "client_killed",
    "client_vanishes",
    "nat_expiry_strict",
    "server_frozen",
  ]);
  assert.deepEqual(view.matrix.map((row) => row.id), [
    "none",
    "keepalive_tuned",
    "heartbeat",
  ]);
  const heartbeat = view.matrix.find((row) => row.id === "heartbeat")!;
  assert.equal(heartbeat.cells.length, view.faults.length);
  // Cells carry the lab's own summary text, not numbers made up here.
  for (const [i, fault] of view.faults.entries()) {
    const item = results.cases.find((c) =>
      c.fault === fault.id && c.mechanism === "heartbeat"
    );
    assert.equal(heartbeat.cells[i]?.text, item?.summary.text);
  }
  const tuned = view.matrix.find((row) => row.id === "keepalive_tuned")!;
  assert.equal(
    tuned.cells[0],
    null,
    "client_killed/keepalive_tuned was not run",
  );
  assert.equal(tuned.cells[2]?.outcome, "survived");
  const none = view.matrix.find((row) => row.id === "none")!;
  assert.equal(none.cells[1]?.outcome, "not-detected");
});

Deno.test("buildLabView() gives every case a row with median, max and the production formula", async () => {
  const results = await fixture();
  const view = buildLabView(results, []);
  assert.equal(view.cases.length, results.cases.length);
  const vanished = view.cases.find((c) =>
    c.id === "client_vanishes/heartbeat"
  )!;
  assert.equal(vanished.median, "3.15 s");
  assert.equal(vanished.max, "3.20 s");
  assert.equal(vanished.medianMax, "3.15 s / 3.20 s");
  assert.equal(vanished.predicted, "3.00 s – 3.25 s");
  assert.equal(vanished.production, "180 s + 15 s = 3 min 15 s");
  const never = view.cases.find((c) => c.id === "client_vanishes/none")!;
  assert.equal(never.median, "> 15.0 s");
  assert.equal(never.runs, "3 (3 not detected)");
  assert.equal(never.medianMax, "not detected within 15.0 s");
  assert.equal(never.predicted, "never");
  const kept = view.cases.find((c) =>
    c.id === "nat_expiry_strict/keepalive_tuned"
  )!;
  assert.equal(kept.median, "survived");
  assert.equal(kept.predicted, "survives");
  assert.equal(kept.medianMax, "survived");
  // Grouped by fault in the lab's order.
  assert.deepEqual(
    view.cases.map((c) => c.id.split("/")[0]),
    [
      "client_killed",
      "client_vanishes",
      "client_vanishes",
      "client_vanishes",
      "nat_expiry_strict",
      "server_frozen",
    ],
  );
  assert.equal(view.figures["server_frozen/heartbeat"].median, "3.08 s");
  assert.equal(view.meta.date, "2026-11-23");
  assert.equal(view.meta.keepaliveTuned, "time 2 s, intvl 1 s, probes 3");
});

Deno.test("buildLabView() lists the formula checks, the adaptive run and the charts", async () => {
  const view = buildLabView(await fixture(), [
    {
      fileName: "b_adaptive.svg",
      svg: "<svg><title>Adaptive interval</title></svg>",
    },
    { fileName: "a_detection.svg", svg: "<svg></svg>" },
  ]);
  assert.deepEqual(view.formulaChecks.map((f) => f.ok), [true, false]);
  assert.equal(
    view.formulaChecks[0].label,
    "client host vanishes, keepalive, tuned sysctls",
  );
  assert.equal(view.formulaChecks[0].measured, "5.02 s / 5.03 s");
  assert.equal(view.adaptive.settledInterval, "3.50 s");
  assert.equal(view.adaptive.natTimeout, "4.00 s");
  assert.equal(view.adaptive.samples.length, 9);
  assert.deepEqual(view.charts, [
    { src: "/charts/a_detection.svg", title: "A detection" },
    { src: "/charts/b_adaptive.svg", title: "Adaptive interval" },
  ]);
});

let latestExists = true;
try {
  await Deno.stat(LATEST);
} catch {
  latestExists = false;
}

Deno.test({
  name:
    "the lab's committed results validate and every case lands in one matrix cell",
  ignore: !latestExists,
  async fn() {
    const results = parseLabResults(
      JSON.parse(await Deno.readTextFile(LATEST)),
    );
    const view = buildLabView(results, []);
    const filled = view.matrix.flatMap((row) => row.cells).filter((c) =>
      c !== null
    );
    const pairs = new Set(
      results.cases.map((c) => `${c.fault}/${c.mechanism}`),
    );
    assert.equal(filled.length, pairs.size);
    assert.equal(view.cases.length, results.cases.length);
  },
});
