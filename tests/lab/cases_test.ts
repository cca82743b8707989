import assert from "node:assert/strict";
import { predict } from "../../lab/formula.ts";
import {
  caseMatrix,
  DEFAULT_PARAMETERS,
  FAULTS,
  MECHANISMS,
} from "../../lab/cases.ts";
import { FAULT_IDS, MECHANISM_IDS } from "../../lab/results_schema.ts";

Deno.test("every case in both matrices has a prediction and a known fault and mechanism", () => {
  const full = caseMatrix("full");
  const quick = caseMatrix("quick");
  assert.ok(quick.length >= 4 && quick.length < full.length);
  for (const c of [...full, ...quick]) {
    assert.ok(FAULT_IDS.includes(c.fault));
    assert.ok(MECHANISM_IDS.includes(c.mechanism));
    assert.equal(c.observer, c.fault === "server_frozen" ? "client" : "server");
    const p = predict(c.fault, c.mechanism, DEFAULT_PARAMETERS);
    assert.ok(p.formula.length > 0);
  }
  assert.deepEqual(FAULTS.map((f) => f.id), [...FAULT_IDS]);
  assert.deepEqual(MECHANISMS.map((m) => m.id), [...MECHANISM_IDS]);
});
