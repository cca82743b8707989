// common/duration.ts: the durations every command line takes.
import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../common/mod.ts";

Deno.test("parseDuration() reads a number with a unit, or several in a row, into milliseconds", () => {
  const cases: [string, number][] = [
    ["250ms", 250],
    ["5s", 5000],
    ["1.5s", 1500],
    ["1m", 60_000],
    ["2h", 7_200_000],
    ["1m30s", 90_000],
    [" 15s ", 15_000],
    ["0s", 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

Deno.test("parseDuration() rejects text without a unit or with an unknown one, quoting it", () => {
  for (const text of ["", "5", "5x", "5 s", "s", "-1s", "1d", "5s!"]) {
    assert.throws(
      () => parseDuration(text),
      (error: unknown) =>
        error instanceof SyntaxError &&
        error.message.startsWith(`Cannot parse duration "${text}"`),
      text,
    );
  }
});

Deno.test("formatDuration() writes the largest units that keep it short", () => {
  assert.equal(formatDuration(250), "250ms");
  assert.equal(formatDuration(1500), "1.5s");
  assert.equal(formatDuration(15_000), "15s");
  assert.equal(formatDuration(90_000), "1min 30s");
  assert.equal(formatDuration((7200 + 9 * 75) * 1000), "2h 11min 15s");
});
