import assert from "node:assert/strict";
import { runDeno } from "../_helpers/run.ts";

Deno.test("watch_memory.ts reports the heap per watch entry, and what unwatching leaves", async () => {
  const result = await runDeno(
    "bench/watch_memory.ts",
    ["--clients", "400", "--watch", "5", "--json"],
    { denoFlags: ["--v8-flags=--expose-gc"] },
  );
  assert.equal(result.code, 0, result.stderr);
  const [r] = JSON.parse(result.stdout);
  assert.equal(r.clients, 400);
  assert.equal(r.entries, 2000);
  assert.ok(r.names > 300 && r.names <= 400, `${r.names} names`);
  assert.ok(r.heapWatching > r.heapBefore, JSON.stringify(r));
  assert.ok(
    r.bytesPerEntry > 20 && r.bytesPerEntry < 2000,
    `${r.bytesPerEntry} bytes per entry`,
  );
  assert.ok(r.heapAfterUnwatch < r.heapWatching, JSON.stringify(r));
});

Deno.test("watch_memory.ts says how to run it when it cannot force a GC, and refuses a bad flag, with exit code 2", async () => {
  const noGc = await runDeno("bench/watch_memory.ts", ["--clients", "20"]);
  assert.equal(noGc.code, 2);
  assert.match(
    noGc.stderr,
    /Cannot force a GC: run with --v8-flags=--expose-gc/,
  );
  for (const args of [["--watch", "0"], ["--clients", "5", "--watch", "5"]]) {
    const bad = await runDeno("bench/watch_memory.ts", args);
    assert.equal(bad.code, 2, args.join(" "));
    assert.match(bad.stderr, /^watch_memory: --watch: Cannot/);
  }
});
