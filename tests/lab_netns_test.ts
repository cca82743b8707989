import assert from "node:assert/strict";
import {
  cleanupStaleNamespaces,
  createTopology,
  listNamespaces,
  mustRun,
  run,
} from "../lab/netns.ts";
import { runCase } from "../lab/run_case.ts";
import { DEFAULT_PARAMETERS } from "../lab/cases.ts";

const isRoot = Deno.uid() === 0;
const mustRunHere = Deno.env.get("CI") === "true";
const ignore = !isRoot && !mustRunHere;
if (ignore) {
  console.error(
    "lab_netns_test: skipped, needs root to create network namespaces",
  );
}

const P = { ...DEFAULT_PARAMETERS, repetitions: 1, capMs: 10_000 };

Deno.test({
  name: "a topology lives only in its namespaces and is deleted afterwards",
  ignore,
  async fn() {
    const topology = await createTopology({
      nat: "strict",
      conntrackTimeoutS: 4,
    });
    try {
      const names = await listNamespaces(`lab-${Deno.pid}-`);
      assert.equal(names.length, 3);
      const host = await mustRun("ip", ["-o", "addr"]);
      assert.ok(
        !host.includes("10.250."),
        "the host namespace has no lab address",
      );
      assert.equal(
        await topology.readSysctl(
          topology.router,
          "net.netfilter.nf_conntrack_tcp_timeout_established",
        ),
        "4",
      );
      assert.equal(
        await topology.readSysctl(
          topology.router,
          "net.netfilter.nf_conntrack_tcp_loose",
        ),
        "0",
      );
      assert.equal(
        await topology.readSysctl(
          topology.server,
          "net.ipv4.tcp_keepalive_time",
        ),
        "7200",
      );
    } finally {
      await topology.destroy();
    }
    assert.deepEqual(await listNamespaces(`lab-${Deno.pid}-`), []);
  },
});

Deno.test({
  name:
    "cleanupStaleNamespaces() removes namespaces of a lab run that no longer exists",
  ignore,
  async fn() {
    // A pid above the kernel's pid_max cannot be alive.
    const stale = "lab-99999999-0-srv";
    await mustRun("ip", ["netns", "add", stale]);
    try {
      const deleted = await cleanupStaleNamespaces();
      assert.ok(deleted.includes(stale));
      assert.deepEqual(await listNamespaces(stale), []);
    } finally {
      await run("ip", ["netns", "del", stale]);
    }
  },
});

Deno.test({
  name:
    "the lab measures a killed client at once and a vanished one after the keepalive formula",
  ignore,
  async fn() {
    const killed = await runCase(
      {
        fault: "client_killed",
        mechanism: "keepalive_tuned",
        observer: "server",
      },
      0,
      P,
    );
    assert.equal(killed.outcome, "detected");
    assert.ok(killed.detectionMs! < 1000, `killed: ${killed.detectionMs} ms`);
    assert.match(String(killed.server.how), /EOF|ECONNRESET/);

    const vanished = await runCase(
      {
        fault: "client_vanishes",
        mechanism: "keepalive_tuned",
        observer: "server",
      },
      0,
      P,
    );
    assert.equal(vanished.outcome, "detected");
    // time + probes × intvl = 2 + 3 × 1 s at most; at least probes × intvl = 3 s.
    assert.ok(
      vanished.detectionMs! >= 2500 && vanished.detectionMs! <= 7000,
      `vanished: ${vanished.detectionMs} ms`,
    );
    assert.equal(vanished.server.how, "ETIMEDOUT");
    assert.deepEqual(await listNamespaces(`lab-${Deno.pid}-`), []);
  },
});

Deno.test({
  name:
    "the lab records a frozen server as not detected by keepalive within the cap",
  ignore,
  async fn() {
    const frozen = await runCase(
      {
        fault: "server_frozen",
        mechanism: "keepalive_tuned",
        observer: "client",
      },
      0,
      { ...P, capMs: 6000 },
    );
    assert.equal(frozen.outcome, "not_detected");
    assert.equal(frozen.detectionMs, null);
    assert.equal(frozen.client.ms, null);
    assert.deepEqual(await listNamespaces(`lab-${Deno.pid}-`), []);
  },
});

Deno.test({
  name:
    "deno task lab --quick writes schema-valid results and charts and leaves no namespace behind",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: `lab-${Deno.pid}-test-` });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../lab/main.ts", import.meta.url).pathname,
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
      const { parseLabResults } = await import("../lab/results_schema.ts");
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
