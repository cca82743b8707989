import assert from "node:assert/strict";
import { parsePathEntry, PRESETS } from "../../doctor/_presets.ts";

Deno.test("the presets carry the documented idle timeouts", () => {
  const idle = Object.fromEntries(PRESETS.map((p) => [p.id, p.idleMs / 1000]));
  assert.deepEqual(idle, {
    "aws-nlb": 350,
    "aws-alb": 60,
    "gcp-internal-nlb": 600,
    "azure-lb": 240,
    conntrack: 432_000,
    cgnat: 300,
  });
  for (const preset of PRESETS) {
    assert.match(preset.source ?? "", /^https:\/\//, preset.id);
  }
});

Deno.test("the presets say what a late packet meets and what counts as traffic", () => {
  const nlb = parsePathEntry("aws-nlb");
  assert.equal(nlb.afterExpiry, "reset");
  const alb = parsePathEntry("aws-alb");
  // A proxy counts data only and closes both sides.
  assert.deepEqual([alb.afterExpiry, alb.countsProbes, alb.proxy], [
    "close",
    false,
    true,
  ]);
  assert.equal(parsePathEntry("cgnat").afterExpiry, "drop");
});

Deno.test("parsePathEntry() reads an idle timeout with what a late packet meets", () => {
  assert.deepEqual(parsePathEntry("350s"), {
    id: "350s",
    label: "a middlebox with an idle timeout of 350s",
    idleMs: 350_000,
    afterExpiry: "drop",
    countsProbes: true,
    proxy: false,
  });
  assert.equal(parsePathEntry("4m:rst").afterExpiry, "reset");
  assert.equal(parsePathEntry("4m:rst").idleMs, 240_000);
  assert.equal(parsePathEntry("1m30s:close").afterExpiry, "close");
  assert.equal(parsePathEntry("10s:drop").afterExpiry, "drop");
});

Deno.test("parsePathEntry() refuses what is neither a preset nor an idle timeout, and lists the presets", () => {
  for (const bad of ["aws", "350", "0s", "350s:bogus", "", "5x"]) {
    assert.throws(
      () => parsePathEntry(bad),
      (error: Error) =>
        error instanceof SyntaxError &&
        error.message.startsWith(
          `Cannot use ${
            JSON.stringify(bad)
          }: expected a preset (aws-nlb, aws-alb,`,
        ),
      bad,
    );
  }
});

Deno.test("docs/doctor.md lists every preset with its idle timeout and its source", async () => {
  const doc = await Deno.readTextFile(
    new URL("../../docs/doctor.md", import.meta.url),
  );
  for (const preset of PRESETS) {
    const row = doc.split("\n").find((line) =>
      line.startsWith(`| \`${preset.id}\``)
    );
    assert.ok(row !== undefined, preset.id);
    assert.ok(
      row.includes(`| ${preset.idleMs / 1000} s`),
      `${preset.id}: ${row}`,
    );
    assert.ok(row.includes(`(${preset.source})`), `${preset.id}: ${row}`);
  }
});
