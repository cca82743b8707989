import assert from "node:assert/strict";
import {
  NOT_COUNTED,
  pastWriteLimit,
  queueText,
  takeQueued,
} from "../../transport/_write_batch.ts";

Deno.test("pastWriteLimit() counts bytes, and counts a queue only once it could pass the limit", async () => {
  const conn = { queued: "", queuedBytes: NOT_COUNTED, flush() {} };
  queueText(conn, "€".repeat(100));
  // 100 units can take at most 300 bytes: not counted.
  assert.equal(pastWriteLimit(conn, 0, 300), false);
  assert.equal(conn.queuedBytes, NOT_COUNTED);
  // Near a limit of 299 it is counted: exactly 300 bytes.
  assert.equal(pastWriteLimit(conn, 0, 299), true);
  assert.equal(conn.queuedBytes, 300);
  // Later writes keep the count without scanning the queue again.
  queueText(conn, "ab");
  assert.equal(conn.queuedBytes, 302);
  assert.equal(pastWriteLimit(conn, 10, 312), false);
  assert.equal(pastWriteLimit(conn, 11, 312), true);
  assert.equal(takeQueued(conn), "€".repeat(100) + "ab");
  assert.equal(conn.queuedBytes, NOT_COUNTED);
  await Promise.resolve();
});
