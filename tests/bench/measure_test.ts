import assert from "node:assert/strict";
import { timeoutsSeenByClients } from "../../bench/_measure.ts";

Deno.test("timeoutsSeenByClients() counts bye timeout frames with Lifeline's protocol and every drop with seed frames", () => {
  const report = {
    dropped: 3,
    frames: { "bye timeout": 2, "bye shutdown": 1 },
  };
  assert.equal(timeoutsSeenByClients(report, "lifeline"), 2);
  assert.equal(timeoutsSeenByClients(report, "go"), 3);
  assert.equal(
    timeoutsSeenByClients({ dropped: 0, frames: {} }, "lifeline"),
    0,
  );
});
