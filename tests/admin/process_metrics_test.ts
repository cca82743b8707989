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
  // The runtime opens and closes descriptors of its own now and then (its
  // threads run beside the test), so one try out of a few must see exactly
  // one more; a count that ignored the file would never.
  const differences: number[] = [];
  for (let i = 0; i < 5 && differences.at(-1) !== 1; i++) {
    const before = await readProcessStats();
    const file = await Deno.open(Deno.execPath());
    try {
      const during = await readProcessStats();
      differences.push(during.openFds! - before.openFds!);
      assert.ok(during.maxFds! >= during.openFds!);
    } finally {
      file.close();
    }
  }
  assert.equal(differences.at(-1), 1, JSON.stringify(differences));
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
  // A process started now says it started now (to within the boot time's
  // whole second and a clock tick).
  const spawned = Date.now() / 1000;
  const child = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { readProcessStats } from "${new URL(
        "../../admin/mod.ts",
        import.meta.url,
      )}";
       console.log((await readProcessStats()).startTimeSeconds);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const childStart = Number(new TextDecoder().decode(child.stdout));
  const exited = Date.now() / 1000;
  assert.ok(
    childStart >= spawned - 1.1 && childStart <= exited + 0.1,
    `${childStart} not in [${spawned}, ${exited}]`,
  );
  assert.ok(before.startTimeSeconds <= spawned);
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
