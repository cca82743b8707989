import assert from "node:assert/strict";
import { listNamespaces } from "../../lab/netns.ts";
import { parseLabResults } from "../../lab/results_schema.ts";
import { ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";
import { REPO, runDeno } from "../_helpers/run.ts";

const FILE = "tests/lab/main_test.ts";

Deno.test("deno task lab rejects an unknown flag with one line and exit code 2", async () => {
  const result = await runDeno("lab/main.ts", ["--bogus"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /^lab: .*bogus/);
});

Deno.test("deno task lab rejects a repetition count out of range with exit code 2", async () => {
  const result = await runDeno("lab/main.ts", ["--repetitions", "0"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /^lab: --repetitions: .*"0"/);
});

Deno.test("deno task lab --help prints the usage and exits 0", async () => {
  const result = await runDeno("lab/main.ts", ["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /--quick/);
});

Deno.test({
  name:
    "deno task lab --quick writes schema-valid results and charts and leaves no namespace behind",
  ignore: ignoreUnless("root, to create network namespaces", IS_ROOT, FILE),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: `lab-${Deno.pid}-test-` });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${REPO}lab/main.ts`,
          "--quick",
          "--no-adaptive",
          "--out",
          `${dir}/latest.json`,
          "--charts",
          `${dir}/charts`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const output = await child.output();
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 0, stderr);
      const results = parseLabResults(
        JSON.parse(await Deno.readTextFile(`${dir}/latest.json`)),
      );
      assert.equal(results.mode, "quick");
      const vanished = results.cases.find((c) =>
        c.id === "client_vanishes/keepalive_tuned"
      );
      assert.ok(vanished !== undefined && vanished.summary.medianMs !== null);
      assert.ok(
        vanished.summary.medianMs >= 2500 && vanished.summary.medianMs <= 7000,
      );
      const frozen = results.cases.find((c) =>
        c.id === "server_frozen/keepalive_tuned"
      );
      assert.equal(frozen?.summary.detected, 0);
      // Lifeline's heartbeat: timeout 3 s, interval 1 s, so 2–4 s (generous bounds).
      for (
        const id of ["client_vanishes/heartbeat", "server_frozen/heartbeat"]
      ) {
        const median = results.cases.find((c) => c.id === id)?.summary.medianMs;
        assert.ok(
          median != null && median >= 1500 && median <= 6000,
          `${id}: ${median}`,
        );
      }
      // The loose NAT answers the server's late write with RST at once.
      const loose = results.cases.find((c) => c.id === "nat_expiry_loose/none");
      assert.ok(
        loose?.summary.medianMs != null && loose.summary.medianMs < 1000,
      );
      const strict = results.cases.find((c) =>
        c.id === "nat_expiry_strict/keepalive_tuned"
      );
      assert.equal(strict?.summary.survived, 1);
      const svg = await Deno.readTextFile(`${dir}/charts/detection_times.svg`);
      assert.match(svg, /^<svg/);
      assert.deepEqual(await listNamespaces(`lab-${child.pid}-`), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
