import assert from "node:assert/strict";
import type { HarnessReport } from "../../bench/_results.ts";
import { ignoreUnless } from "../_helpers/needs.ts";
import { REPO, runDeno } from "../_helpers/run.ts";

/** A short harness run; returns its report and its Markdown. */
async function shortRun(
  clients: number,
  args: string[],
): Promise<{ report: HarnessReport; markdown: string }> {
  const outDir = await Deno.makeTempDir({ prefix: `bench_smoke_${Deno.pid}_` });
  try {
    const result = await runDeno("bench/harness.ts", [
      "--clients",
      String(clients),
      "--interval",
      "200ms",
      "--timeout",
      "2s",
      "--settle",
      "300ms",
      "--steady",
      "1500ms",
      "--out-dir",
      outDir,
      ...args,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const files = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assert.equal(files.length, 2, `files: ${files}`);
    assert.match(files[0], new RegExp(`-n${clients}-[a-z+]+\\.json$`));
    assert.match(files[1], new RegExp(`-n${clients}-[a-z+]+\\.md$`));
    return {
      report: JSON.parse(await Deno.readTextFile(`${outDir}/${files[0]}`)),
      markdown: await Deno.readTextFile(`${outDir}/${files[1]}`),
    };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

/** The harness's temporary worktrees (`…/bench_<pid>_…/lifeline-<commit>`). */
async function harnessWorktrees(): Promise<string[]> {
  const out = await new Deno.Command("git", {
    args: ["-C", REPO, "worktree", "list", "--porcelain"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((line) =>
    /^worktree .*\/bench_\d+_[^/]+\/lifeline-[0-9a-f]{12}$/.test(line)
  );
}

const OLD = "4493b0c";
const hasOld = new Deno.Command("git", {
  args: ["-C", REPO, "cat-file", "-e", `${OLD}^{commit}`],
  stderr: "null",
}).outputSync().success;

Deno.test("bench harness smoke run: every client connects, none is dropped or falsely timed out, pongs are measured", async () => {
  const clients = 40;
  const { report, markdown } = await shortRun(clients, [
    "--protocol",
    "go,lifeline",
    "--servers",
    "lifeline-deno,lifeline-node,naive-deno,bare-tcp-wrap",
  ]);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(
    report.results.map((r) => `${r.kind}/${r.protocol}`),
    [
      "lifeline-deno/go",
      "lifeline-node/go",
      "naive-deno/go",
      "bare-tcp-wrap/go",
      "lifeline-deno/lifeline",
      "lifeline-node/lifeline",
      "naive-deno/lifeline",
      "bare-tcp-wrap/lifeline",
    ],
  );
  for (const r of report.results) {
    const where = `${r.label} / ${r.protocol}`;
    assert.equal(r.connections, clients, where);
    assert.equal(r.failed, 0, where);
    assert.equal(r.dropped, 0, where);
    assert.equal(r.falseTimeouts, 0, where);
    assert.equal(r.falseTimeoutsFrom, undefined, where);
    // 40 clients at 5 Hz: about 200 heartbeats per second.
    assert.ok(
      r.heartbeatsPerSecond > 120 && r.heartbeatsPerSecond < 280,
      `${where}: ${r.heartbeatsPerSecond} heartbeats/s`,
    );
    assert.ok(r.rssBeforeKiB > 1000, `${where}: RSS ${r.rssBeforeKiB} KiB`);
    assert.ok(r.peakKiB >= r.rssEndKiB, where);
    assert.ok(Number.isFinite(r.rssPerConnectionKiB), where);
    assert.ok(r.cpuPercent >= 0 && r.cpuPercent < 200, where);
    assert.ok(r.samples.length >= 1, where);
    if (r.protocol === "lifeline") {
      assert.ok(r.rtt.count > 100, `${where}: ${r.rtt.count} pongs`);
      assert.ok(r.rtt.p50 > 0 && r.rtt.p50 <= r.rtt.p99, where);
      assert.ok(r.rtt.p99 <= r.rtt.max && r.rtt.max < 2000, where);
    } else {
      assert.equal(r.rtt.count, 0, where);
    }
  }
  assert.match(markdown, /\| Lifeline \(deno\) \| 40\/40 \|/);
  assert.match(markdown, /Ratios in the same run/);
});

/** The presence scenario, small: timings that keep it to a few seconds. */
const PRESENCE_ARGS = [
  "--protocol",
  "lifeline",
  "--servers",
  "lifeline-node",
  "--kill",
  "10",
  "--freeze",
  "10",
  "--suspect-after",
  "600ms",
  "--tick",
  "100ms",
  "--steady",
  "3s",
];

function assertExactlyOnce(r: HarnessReport["results"][number]): void {
  const where = r.label;
  const p = r.presence;
  assert.ok(p !== undefined, where);
  assert.deepEqual(p.kills, { planned: 10, done: 10 }, where);
  assert.deepEqual(p.freezes, { planned: 10, done: 10 }, where);
  assert.ok(p.offline.expected > 0, where);
  assert.equal(p.offline.exactlyOnce, p.offline.expected, p.examples.join());
  assert.ok(p.suspectOnline.expected > 0, where);
  assert.equal(
    p.suspectOnline.exactlyOnce,
    p.suspectOnline.expected,
    p.examples.join(),
  );
  assert.equal(p.unwatched, 0, p.examples.join());
  assert.equal(p.unexpected, 0, p.examples.join());
  assert.equal(p.snapshotMissing, 0, where);
  assert.equal(p.latency.offline.count > 0, true, where);
}

Deno.test("bench harness presence scenario: with and without watches in one run, every watcher of a killed client gets one offline, of a frozen one one suspect then one online, and nobody a name it does not watch", async () => {
  const { report, markdown } = await shortRun(300, [
    ...PRESENCE_ARGS,
    "--watch",
    "0,10",
  ]);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(report.results.map((r) => r.watch), [undefined, 10]);
  for (const r of report.results) {
    assert.equal(r.connections, 290, r.label);
    assert.equal(r.dropped, 0, r.label);
    assert.equal(r.falseTimeouts, 0, r.label);
    assert.deepEqual(r.presence?.kills, { planned: 10, done: 10 }, r.label);
  }
  assertExactlyOnce(report.results[1]);
  assert.match(
    markdown,
    /\| Lifeline \(node\), watching 10 \| Lifeline \(node\) \| /,
  );
  assert.match(markdown, /\| kill → offline \| \d+ \|/);
});

Deno.test("bench harness presence scenario with sigstop: the frozen clients' worker processes are stopped and resumed, and every watcher is told exactly once", async () => {
  const { report } = await shortRun(200, [
    ...PRESENCE_ARGS,
    "--watch",
    "10",
    "--freeze-by",
    "sigstop",
    "--freeze-workers",
    "2",
  ]);
  assert.deepEqual(report.skipped, []);
  const [r] = report.results;
  assert.equal(r.connections, 190);
  assert.equal(r.dropped, 0);
  assert.equal(r.falseTimeouts, 0);
  assertExactlyOnce(r);
  assert.equal(r.presence?.freezeBy, "sigstop");
  assert.ok(
    r.presence!.shortestFreezeMs >= 1250,
    `${r.presence!.shortestFreezeMs} ms`,
  );
});

Deno.test({
  name:
    "bench harness measures Lifeline at other revisions from temporary worktrees and removes them afterwards",
  ignore: ignoreUnless(
    `commit ${OLD} in git's history`,
    hasOld,
    "tests/bench/harness_test.ts",
  ),
  async fn() {
    const before = await harnessWorktrees();
    const { report, markdown } = await shortRun(20, [
      "--protocol",
      "lifeline",
      "--servers",
      `lifeline-node,lifeline-node@HEAD,lifeline-node@${OLD}`,
    ]);
    assert.deepEqual(await harnessWorktrees(), before);
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(
      report.results.map((r) => [r.label, r.revision, r.falseTimeoutsFrom]),
      [
        ["Lifeline (node)", undefined, undefined],
        ["Lifeline (node) @HEAD", "HEAD", undefined],
        // No --log-format json at that revision: the clients count.
        [`Lifeline (node) @${OLD}`, OLD, "clients"],
      ],
    );
    for (const r of report.results) {
      assert.equal(r.connections, 20, r.label);
      assert.equal(r.dropped, 0, r.label);
      assert.equal(r.falseTimeouts, 0, r.label);
      assert.ok(r.rtt.count > 50, `${r.label}: ${r.rtt.count} pongs`);
    }
    assert.match(
      markdown,
      new RegExp(`\\| Lifeline \\(node\\) @${OLD} \\| 20/20 \\|.*\\| 0† \\|`),
    );
    assert.match(
      markdown,
      new RegExp(
        `\\| Lifeline \\(node\\) \\| Lifeline \\(node\\) @${OLD} \\| \\d`,
      ),
    );
  },
});

Deno.test("bench harness rejects a bad flag with one line on stderr and exit code 2", async () => {
  for (
    const args of [
      ["--servers", "lifeline-deno,nginx"],
      ["--servers", "go@4493b0c"],
      ["--servers", "lifeline-node@no-such-revision"],
      ["--clients", "0"],
      ["--steady", "5x"],
      ["--bogus"],
    ]
  ) {
    const result = await runDeno("bench/harness.ts", args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^bench: (--[a-z]+: Cannot|Unknown option)/);
  }
});

Deno.test("deno task bench --help documents measuring Lifeline at another revision", async () => {
  const result = await runDeno("bench/harness.ts", ["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /lifeline-node@REV/);
  assert.match(result.stdout, /--log-format json/);
});
