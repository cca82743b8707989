// The cluster scenario of the harness, small enough for CI: three workers
// on a Redis of the run's own, a few hundred clients, seconds.
import assert from "node:assert/strict";
import type { HarnessReport } from "../../bench/_results.ts";
import { hasProgram, ignoreUnless } from "../_helpers/needs.ts";
import { runDeno } from "../_helpers/run.ts";

Deno.test({
  name:
    "bench harness cluster scenario: every client connects, none is dropped or falsely timed out, heartbeats cost Redis nothing, churns are told once across nodes, and a killed worker's silent clients are told node_lost once within the bound",
  ignore: ignoreUnless(
    "redis-server",
    hasProgram("redis-server") && hasProgram("redis-cli"),
    "tests/bench/cluster_harness_test.ts",
  ),
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "bench_cluster_" });
    try {
      const result = await runDeno("bench/harness.ts", [
        "--workers",
        "3",
        "--clients",
        "300",
        "--single-clients",
        "100",
        "--interval",
        "200ms",
        "--timeout",
        "2s",
        "--tick",
        "100ms",
        "--node-ttl",
        "1s",
        "--churn",
        "100",
        "--churn-for",
        "1s",
        "--silent",
        "10",
        "--settle",
        "300ms",
        "--steady",
        "1500ms",
        "--arrivals",
        "uniform",
        "--out-dir",
        outDir,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const files = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
      assert.equal(files.length, 2, `files: ${files}`);
      assert.match(files[0], /-n300-cluster3\.json$/);
      const report: HarnessReport = JSON.parse(
        await Deno.readTextFile(`${outDir}/${files[0]}`),
      );
      const markdown = await Deno.readTextFile(`${outDir}/${files[1]}`);
      assert.deepEqual(report.skipped, []);
      const [single] = report.results;
      assert.equal(single.connections, 100);
      assert.equal(single.arrivals, "uniform");
      const [c] = report.cluster!;
      assert.equal(c.workers, 3);
      assert.equal(c.connections, 300);
      assert.equal(c.dropped, 0);
      assert.equal(c.falseTimeouts, 0);
      assert.equal(c.laterTimeouts, 0);
      assert.equal(c.clientsPerWorker.reduce((a, b) => a + b, 0), 300);
      assert.ok(
        c.clientsPerWorker.every((n) => n > 0),
        `${c.clientsPerWorker}`,
      );
      // Heartbeats cost Redis nothing: the window's commands are the timers'.
      assert.ok(c.steadyCommands.total > 0);
      assert.equal(
        c.steadyCommands.unexplained,
        0,
        JSON.stringify(c.steadyCommands),
      );
      assert.ok(c.heartbeatsPerSecond > 1000, `${c.heartbeatsPerSecond} hb/s`);
      // The churn: every watcher on another node told offline then online once.
      const churn = c.churn!;
      assert.equal(churn.churners, 50);
      assert.ok(churn.pairs >= 50, `${churn.pairs} pairs`);
      assert.equal(churn.exactlyOnce, churn.pairs, churn.examples.join("; "));
      // The kill: the silent clients' watchers get node_lost once, in time,
      // then online; nobody gets anything wrong; everyone is back.
      const loss = c.loss!;
      assert.equal(loss.silent, 10);
      assert.equal(loss.silentPairs.expected, 20);
      assert.equal(loss.silentPairs.exactlyOnce, 20, loss.examples.join("; "));
      assert.equal(loss.wrong, 0, loss.examples.join("; "));
      assert.equal(loss.missing, 0, loss.examples.join("; "));
      assert.equal(loss.notBack, 0, loss.examples.join("; "));
      assert.equal(loss.overBound, 0);
      assert.ok(loss.nodeLost.max <= loss.boundMs, `${loss.nodeLost.max} ms`);
      assert.equal(loss.lostThenOnline + loss.backFirst, loss.pairs);
      assert.equal(loss.back.clients, loss.victims);
      assert.ok(loss.restartedAfterMs !== null);
      // The reconnects follow the backoff: nothing before the kill, all of
      // the quick ones within the first second's ceiling (500 ms) and a bit.
      const curve = c.reconnects!;
      const attempts = curve.reduce((n, b) => n + b.attempts, 0);
      const predicted = curve.reduce((n, b) => n + b.predicted, 0);
      assert.ok(attempts >= loss.victims, `${attempts} attempts`);
      assert.ok(
        Math.abs(predicted - attempts) <= 2,
        `${predicted} vs ${attempts}`,
      );
      assert.match(
        markdown,
        /## The cluster: 3 workers, 300 clients, uniform arrivals/,
      );
      assert.match(
        markdown,
        /\| Redis commands per heartbeat \| – \| 0\.0000 /,
      );
      assert.match(
        markdown,
        /\| after the kill \| attempts \| welcomes \| predicted attempts \|/,
      );
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
