import assert from "node:assert/strict";
import { pathChecks } from "../../doctor/_path_checks.ts";
import { hostKernel, input, path, policy } from "./_helpers.ts";

const ids = (out: ReturnType<typeof pathChecks>) => ({
  findings: out.findings.map((f) => f.id),
  notes: out.notes.map((n) => n.id),
});

Deno.test("a heartbeat at or above an idle timeout is a finding, with a server flag as the fix", () => {
  const out = pathChecks(input({
    policy: policy(60_000, 180_000),
    path: path("aws-alb", "aws-nlb"),
    kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }),
  }));
  assert.deepEqual(ids(out).findings, [
    "heartbeat_outlives_idle",
    "keepalive_outlives_idle",
  ]);
  const heartbeat = out.findings[0];
  assert.match(
    heartbeat.message,
    /pings every 1min, not more often than the idle timeout of aws-alb/,
  );
  assert.deepEqual(heartbeat.fixes, [
    "deno task server --interval 30s --timeout 1m30s",
  ]);
  // The ALB counts only data: probes cannot keep it alive.
  assert.match(out.findings[1].message, /aws-alb .* counts only data/);
});

Deno.test("the heartbeat just below the idle timeout is no finding", () => {
  const out = pathChecks(input({
    policy: policy(59_000, 180_000),
    path: path("aws-alb"),
    kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }),
  }));
  assert.deepEqual(ids(out).findings, []);
});

Deno.test("a custom client's slow interval gets a client-side fix", () => {
  const out = pathChecks(input({
    clientIntervalMs: 300_000,
    path: path("cgnat"),
  }));
  assert.deepEqual(out.findings[0].fixes, [
    "make the client ping every 2m30s or more often",
  ]);
});

Deno.test("keepalive at or above an idle timeout is a finding without a heartbeat and a note with one", async (t) => {
  await t.step("no heartbeat: a finding with sysctl commands that fit", () => {
    const out = pathChecks(input({ policy: undefined, path: path("aws-nlb") }));
    assert.deepEqual(ids(out), {
      findings: ["keepalive_outlives_idle"],
      notes: [],
    });
    assert.match(
      out.findings[0].message,
      /probes an idle connection every 7200s \(max\(time, intvl\) of 7200\/75\/9\), not more often than aws-nlb/,
    );
    assert.deepEqual(out.findings[0].fixes.slice(0, 2), [
      "deno task sysctl plan --detect-within 5m50s   # time 176, intvl 58, probes 3",
      "sudo deno task sysctl apply --detect-within 5m50s --file /etc/sysctl.d/60-keepalive.conf",
    ]);
  });
  await t.step("a heartbeat that keeps the path alive: a harmless note", () => {
    const out = pathChecks(input({ path: path("aws-nlb") }));
    assert.deepEqual(ids(out), {
      findings: [],
      notes: ["keepalive_outlives_idle"],
    });
    assert.match(out.notes[0].message, /harmless while the heartbeat runs/);
  });
  await t.step("keepalive that probes often enough: nothing", () => {
    const out = pathChecks(input({
      policy: undefined,
      path: path("aws-nlb"),
      kernel: hostKernel({ time: 176, intvl: 58, probes: 3 }),
    }));
    assert.deepEqual(ids(out), { findings: [], notes: [] });
  });
  await t.step(
    "a short idle with a long intvl still fails: the period is max(time, intvl)",
    () => {
      const out = pathChecks(input({
        policy: undefined,
        path: path("4s"),
        kernel: hostKernel({ time: 2, intvl: 75, probes: 9 }),
      }));
      assert.deepEqual(ids(out).findings, ["keepalive_outlives_idle"]);
    },
  );
});

Deno.test("a proxy on the path gets a note that the server's kernel watches the proxy", () => {
  const out = pathChecks(input({ path: path("aws-alb") }));
  assert.deepEqual(ids(out).notes, ["keepalive_outlives_idle", "proxy"]);
});
