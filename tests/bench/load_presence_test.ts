import assert from "node:assert/strict";
import { PresenceBook } from "../../bench/_load_presence.ts";
import { watchList } from "../../bench/_presence_plan.ts";

const CONFIG = {
  clients: 100,
  watch: 3,
  seed: 1,
  kills: [],
  freezes: [],
  tracked: [1],
  stopped: false,
};
const CLIENTS = { firstId: 10, count: 2, namePrefix: "b-" };

function presence(name: string, state: string, reason?: string): string {
  return JSON.stringify({ type: "presence", name, state, reason });
}

Deno.test("PresenceBook sends each client's watch list and checks every presence frame against it", () => {
  const book = new PresenceBook(CONFIG, CLIENTS);
  const list = watchList(10, CONFIG);
  assert.equal(
    book.watchFrame(0),
    `${
      JSON.stringify({ type: "watch", names: list.map((id) => `b-${id}`) })
    }\n`,
  );
  // The snapshot of two of the three names, during the ramp.
  book.received(0, presence(`b-${list[0]}`, "online"), 1, false);
  book.received(0, presence(`b-${list[1]}`, "offline"), 2, false);
  const stranger = [...Array(100).keys()].find((id) => !list.includes(id))!;
  book.received(0, presence(`b-${stranger}`, "online"), 3, false);
  book.received(0, presence("someone-else", "online"), 4, false);
  book.reset();
  book.received(0, presence(`b-${list[2]}`, "offline", "closed"), 100, true);
  book.killed(1, 50);
  const report = book.report((i) => i === 0);
  assert.deepEqual(report.receipts, [[10, list[2], "offline:closed", 100]]);
  assert.deepEqual(report.kills, [[11, 50]]);
  assert.equal(report.unwatched, 2);
  assert.match(report.examples[0], /^b-10 got .*"name":"b-\d+"/);
  // Client 0's third name had no frame before the window; client 1 is
  // not ready, so its entries are not counted.
  assert.equal(report.snapshotMissing, 1);
});

Deno.test("PresenceBook reports a tracked client's longest silence while measuring, and the others' longest as healthy", () => {
  const book = new PresenceBook(CONFIG, CLIENTS);
  book.sent(0, 1000, false);
  book.sent(1, 1000, false);
  book.reset();
  for (const at of [2000, 3000, 3900]) book.sent(0, at, true);
  for (const at of [2000, 3000, 7000, 8000]) book.sent(1, at, true);
  const report = book.report(() => true);
  assert.deepEqual(report.gaps, [[11, 3000, 7000]]);
  assert.equal(report.healthyMaxGapMs, 1000);
  assert.equal(
    new PresenceBook({ ...CONFIG, watch: 0 }, CLIENTS).watchFrame(0),
    null,
  );
});
