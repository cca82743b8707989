import assert from "node:assert/strict";
import type { AttacksReport } from "../../bench/_attack_report.ts";
import { runDeno } from "../_helpers/run.ts";

// A smoke run of the attack benchmark (bench/attacks.ts) against this
// checkout's server only: three cheap attacks for a second each. The
// attackers must be cut, and no witness may be dropped.

Deno.test("attack benchmark smoke run: the current server cuts each attacker and drops no witness", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "attacks_smoke_" });
  try {
    const result = await runDeno("bench/attacks.ts", [
      "--servers",
      "lifeline-node",
      "--attacks",
      "unknown-frames,after-bye,oversize",
      "--duration",
      "1s",
      "--aftermath",
      "300ms",
      "--max-bytes",
      "256MiB",
      "--out-dir",
      outDir,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const files = [...Deno.readDirSync(outDir)].map((e) => e.name);
    assert.equal(files.length, 1, `files: ${files}`);
    assert.match(files[0], /-attacks\.json$/);
    const report: AttacksReport = JSON.parse(
      await Deno.readTextFile(`${outDir}/${files[0]}`),
    );
    const byAttack = new Map(report.results.map((r) => [r.attack, r]));
    assert.deepEqual(
      [...byAttack.keys()],
      ["unknown-frames", "after-bye", "oversize"],
    );
    for (const r of report.results) {
      assert.deepEqual(r.witnesses?.dropped, [], `${r.attack}: ${r.summary}`);
      assert.ok(r.witnesses!.pongs > 0, `${r.attack}: no pong`);
      assert.equal(r.server, "Lifeline (node)");
    }
    const unknown = byAttack.get("unknown-frames")!.outcome;
    assert.equal(unknown.how, "cut", JSON.stringify(unknown));
    assert.equal(unknown.bye, "protocol_error");
    const after = byAttack.get("after-bye")!.outcome;
    assert.equal(after.how, "cut", JSON.stringify(after));
    // What the server read (64 KiB) plus what the kernels' buffers took.
    assert.ok(Number(after.bytes) < 16 * 1024 * 1024, JSON.stringify(after));
    const oversize = byAttack.get("oversize")!.outcome;
    assert.equal(oversize.cut, oversize.peers, JSON.stringify(oversize));
    // The table is printed, one row per result.
    for (const name of byAttack.keys()) {
      assert.match(result.stdout, new RegExp(`\\| [^|]*${name} \\| Lifeline`));
    }
    assert.match(result.stdout, /load average/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
