import assert from "node:assert/strict";
import { SMALL_SET_MAX, WatchSet } from "../../server/_watch_set.ts";

Deno.test("WatchSet holds each member once, small or large, and forgets deleted ones", () => {
  for (const count of [1, SMALL_SET_MAX, SMALL_SET_MAX + 1, 100]) {
    const members = Array.from({ length: count }, (_, i) => ({ i }));
    const set = new WatchSet<{ i: number }>();
    for (const m of members) set.add(m);
    for (const m of members) set.add(m);
    assert.equal(set.size, count);
    assert.ok(members.every((m) => set.has(m)));
    assert.equal(set.has({ i: 0 }), false);
    // Delete every other one.
    for (const m of members.filter((m) => m.i % 2 === 0)) {
      assert.equal(set.delete(m), true);
      assert.equal(set.delete(m), false);
    }
    const left = members.filter((m) => m.i % 2 === 1);
    assert.equal(set.size, left.length);
    assert.deepEqual(
      [...set].map((m) => m.i).sort((a, b) => a - b),
      left.map((m) => m.i),
    );
  }
});

Deno.test("WatchSet can be emptied while it is iterated, as presence does when a send closes a watcher", () => {
  for (const count of [5, 40]) {
    const members = Array.from({ length: count }, (_, i) => ({ i }));
    const set = new WatchSet<{ i: number }>();
    for (const m of members) set.add(m);
    const seen: number[] = [];
    for (const m of set) {
      seen.push(m.i);
      set.delete(m);
      // A neighbour leaves too.
      set.delete(members[(m.i + 1) % count]);
    }
    assert.equal(set.size, 0);
    assert.ok(seen.length >= count / 2, `${seen.length} seen of ${count}`);
    assert.equal(new Set(seen).size, seen.length);
  }
});
