import assert from "node:assert/strict";
import { listNamespaces } from "../../lab/netns.ts";
import { runCase } from "../../lab/run_case.ts";
import { DEFAULT_PARAMETERS } from "../../lab/cases.ts";
import { ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";

const ignore = ignoreUnless(
  "root, to create network namespaces",
  IS_ROOT,
  "tests/lab/run_case_test.ts",
);

const P = { ...DEFAULT_PARAMETERS, repetitions: 1, capMs: 10_000 };

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
