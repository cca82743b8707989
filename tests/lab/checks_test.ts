import assert from "node:assert/strict";
import { predict } from "../../lab/formula.ts";
import { DEFAULT_PARAMETERS } from "../../lab/cases.ts";
import { formulaChecks } from "../../lab/checks.ts";

Deno.test("formulaChecks() checks finite predictions only", () => {
  const summary = {
    runs: 1,
    detected: 1,
    notDetected: 0,
    survived: 0,
    medianMs: 4000,
    maxMs: 4000,
    minMs: 4000,
    text: "",
    matchesPrediction: true,
  };
  const base = {
    observer: "server" as const,
    runs: [{
      repetition: 0,
      faultAt: "",
      outcome: "detected" as const,
      detectionMs: 4000,
      server: { ms: 4000, how: "ETIMEDOUT" },
      client: { ms: null, how: null },
    }],
    summary,
  };
  const checks = formulaChecks([
    {
      ...base,
      id: "client_vanishes/keepalive_tuned",
      fault: "client_vanishes",
      mechanism: "keepalive_tuned",
      predicted: predict(
        "client_vanishes",
        "keepalive_tuned",
        DEFAULT_PARAMETERS,
      ),
    },
    {
      ...base,
      id: "server_frozen/none",
      fault: "server_frozen",
      mechanism: "none",
      predicted: predict("server_frozen", "none", DEFAULT_PARAMETERS),
    },
  ]);
  assert.equal(checks.length, 1);
  assert.equal(checks[0].caseId, "client_vanishes/keepalive_tuned");
  assert.equal(checks[0].ok, true);
});
