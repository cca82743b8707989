import assert from "node:assert/strict";
import { readProcessStats } from "../../admin/mod.ts";
import { ignoreUnless } from "../_helpers/needs.ts";

const hasProc = await Deno.stat("/proc/self/stat").then(
  () => true,
  () => false,
);
const ignore = ignoreUnless(
  "/proc",
  hasProc,
  "tests/admin/process_metrics_test.ts",
);

Deno.test({
  name: "readProcessStats() counts an opened file as one more descriptor",
  ignore,
}, async () => {
  const before = await readProcessStats();
  const file = await Deno.open(Deno.execPath());
  try {
    const during = await readProcessStats();
    assert.equal(during.openFds, before.openFds! + 1);
    assert.ok(during.maxFds! >= during.openFds!);
  } finally {
    file.close();
  }
});

Deno.test({
  name:
    "readProcessStats() reads the resident memory, CPU time and start time of this process",
  ignore,
}, async () => {
  const before = await readProcessStats();
  const rss = Deno.memoryUsage().rss;
  assert.ok(
    Math.abs(before.residentMemoryBytes - rss) < rss / 2,
    `${before.residentMemoryBytes} vs ${rss}`,
  );
  // Started before now, and not long before the runtime's own origin.
  const now = Date.now() / 1000;
  const origin = performance.timeOrigin / 1000;
  assert.ok(before.startTimeSeconds <= now);
  assert.ok(
    Math.abs(before.startTimeSeconds - origin) < 5,
    `${before.startTimeSeconds} vs ${origin}`,
  );
  const until = performance.now() + 300;
  let spin = 0;
  while (performance.now() < until) spin++;
  const after = await readProcessStats();
  assert.ok(spin > 0);
  assert.ok(
    after.cpuSeconds - before.cpuSeconds >= 0.1,
    `${before.cpuSeconds} -> ${after.cpuSeconds}`,
  );
});

Deno.test("readProcessStats() without /proc falls back to the runtime's figures", async () => {
  const stats = await readProcessStats({ procDir: "/nonexistent" });
  assert.ok(stats.residentMemoryBytes > 0);
  assert.ok(stats.cpuSeconds > 0);
  assert.equal(stats.openFds, undefined);
});
