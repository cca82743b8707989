import assert from "node:assert/strict";
import { policyChecks } from "../../doctor/_policy_checks.ts";
import { serverPolicy } from "../../doctor/_policy.ts";
import { hostKernel, input, path, policy } from "./_helpers.ts";

const ids = (out: ReturnType<typeof policyChecks>) => ({
  findings: out.findings.map((f) => f.id),
  notes: out.notes.map((n) => n.id),
});
const tuned = hostKernel({ time: 5, intvl: 2, probes: 3 });

Deno.test("a client pinging faster than interval / 2 is a too_many_pings finding; at interval / 2 it is not", () => {
  const out = policyChecks(input({ clientIntervalMs: 2499, kernel: tuned }));
  assert.deepEqual(ids(out).findings, ["too_many_pings"]);
  assert.match(
    out.findings[0].message,
    /pings every 2499ms, sooner than the server allows \(a ping less than 2500ms after the previous one, interval \/ 2, is a strike\): after 3 early pings in a row/,
  );
  assert.deepEqual(out.findings[0].fixes, [
    "make the client ping every 5s (the server's interval, which Lifeline's client follows) and never sooner than every 2500ms",
    "or let the server accept it: deno task server --interval 2499ms --timeout 7497ms",
  ]);
  assert.deepEqual(
    ids(policyChecks(input({ clientIntervalMs: 2500, kernel: tuned })))
      .findings,
    [],
  );
});

Deno.test("a timeout shorter than the ping interval plus a round trip is a false_timeouts finding", () => {
  const out = policyChecks(
    input({ policy: policy(5000, 5500), kernel: tuned }),
  );
  assert.deepEqual(ids(out).findings, ["false_timeouts"]);
  assert.deepEqual(out.findings[0].fixes, [
    "deno task server --interval 5s --timeout 15s",
  ]);
  // interval + round trip exactly is just enough.
  assert.deepEqual(
    ids(policyChecks(input({ policy: policy(5000, 6000), kernel: tuned })))
      .findings,
    [],
  );
  // A slower custom client times out against the same timeout.
  assert.deepEqual(
    ids(policyChecks(input({ clientIntervalMs: 15_000, kernel: tuned })))
      .findings,
    ["false_timeouts"],
  );
});

Deno.test("keepalive slower than the heartbeat is a note, not a finding", () => {
  const out = policyChecks(input());
  assert.deepEqual(ids(out), {
    findings: [],
    notes: ["keepalive_slower_than_heartbeat"],
  });
  assert.match(
    out.notes[0].message,
    /\(2h 11min 15s\) is longer than the heartbeat's \(16s\): harmless/,
  );
  assert.deepEqual(ids(policyChecks(input({ kernel: tuned }))).notes, []);
});

Deno.test("no heartbeat with the default keepalive is a finding of hours, and a frozen peer nothing notices", () => {
  const out = policyChecks(input({ policy: undefined }));
  assert.deepEqual(ids(out).findings, [
    "no_heartbeat_slow_keepalive",
    "no_heartbeat_frozen_peer",
  ]);
  assert.match(
    out.findings[0].message,
    /takes up to 2h 11min 15s to notice a vanished peer/,
  );
  assert.equal(
    out.findings[0].fixes[0],
    "deno task sysctl plan --detect-within 2m",
  );
  // Behind a 60 s idle timeout the plan must fit under it too.
  const alb = policyChecks(
    input({ policy: undefined, path: path("azure-lb", "60s") }),
  );
  assert.equal(
    alb.findings[0].fixes[0],
    "deno task sysctl plan --detect-within 1m",
  );
  // Tuned keepalive: only the frozen peer remains.
  assert.deepEqual(
    ids(policyChecks(input({ policy: undefined, kernel: tuned }))).findings,
    ["no_heartbeat_frozen_peer"],
  );
});

Deno.test("a policy read from a welcome notes what it assumed", () => {
  const out = policyChecks(input({
    kernel: tuned,
    policy: serverPolicy(5000, 15_000, {
      source: "the welcome of 127.0.0.1:9090",
      assumed: ["tick", "minPingInterval"],
    }),
  }));
  assert.deepEqual(ids(out).notes, ["assumed_policy"]);
  assert.match(
    out.notes[0].message,
    /^tick and minPingInterval are the server's defaults \(1s and 2\.5s\)/,
  );
});
