import assert from "node:assert/strict";
import { faultTables } from "../../doctor/_tables.ts";
import { hostKernel, input, path, policy } from "./_helpers.ts";

function table(tables: ReturnType<typeof faultTables>, fault: string) {
  const found = tables.find((t) => t.fault === fault);
  assert.ok(found !== undefined, fault);
  return found;
}

function worst(t: ReturnType<typeof table>): Record<string, number | string> {
  return Object.fromEntries(
    t.rows.map((row) => [
      row.mechanism,
      row.detection.outcome === "detected"
        ? row.detection.maxMs
        : row.detection.outcome,
    ]),
  );
}

Deno.test("faultTables() gives hand-computed worst cases for the server's defaults and the kernel's", () => {
  const tables = faultTables(input({ path: path("aws-nlb") }));
  assert.deepEqual(tables.map((t) => t.fault), [
    "peer_killed",
    "peer_vanished",
    "mapping_expired",
    "peer_frozen",
  ]);
  // A FIN or RST within the round trip, 1 s.
  assert.deepEqual(worst(table(tables, "peer_killed")), {
    rto: 1000,
    keepalive: 1000,
    heartbeat: 1000,
  });
  const vanished = table(tables, "peer_vanished");
  assert.deepEqual(worst(vanished), {
    // 924.6 s + 10 %
    rto: 1_017_060,
    // 7200 + 9 × 75 s
    keepalive: 7_875_000,
    // timeout 15 s + tick 1 s
    heartbeat: 16_000,
  });
  assert.deepEqual(vanished.first, {
    mechanisms: ["heartbeat"],
    maxMs: 16_000,
  });
  assert.equal(vanished.verdict, "first: heartbeat, within 16s");
  // The client: timeout 15 s + one interval 5 s.
  assert.deepEqual(worst(table(tables, "peer_frozen")), {
    rto: "never",
    keepalive: "never",
    heartbeat: 20_000,
  });
  assert.equal(table(tables, "peer_frozen").observer, "client");
});

Deno.test("faultTables() says which mechanism's traffic keeps the path alive", () => {
  const mapping = table(
    faultTables(input({ path: path("aws-nlb", "cgnat") })),
    "mapping_expired",
  );
  assert.deepEqual(mapping.keptAliveBy, ["heartbeat"]);
  assert.deepEqual(
    mapping.rows.map((
      row,
    ) => [row.mechanism, row.periodMs, row.keepsPathAlive]),
    [
      ["rto", undefined, false],
      ["keepalive", 7_200_000, false],
      ["heartbeat", 5000, true],
    ],
  );
  // Timed against the shortest idle timeout: the carrier NAT's 300 s.
  assert.equal(mapping.middlebox, "cgnat");
  assert.equal(mapping.first, undefined);
  assert.match(
    mapping.verdict,
    /^does not happen while the connection is healthy/,
  );
});

Deno.test("faultTables() times an expired mapping from the first middlebox nothing keeps alive", () => {
  const tables = faultTables(input({
    policy: undefined,
    path: path("conntrack", "aws-nlb"),
    kernel: hostKernel({ time: 600, intvl: 60, probes: 5 }),
  }));
  const mapping = table(tables, "mapping_expired");
  assert.equal(mapping.middlebox, "aws-nlb");
  assert.deepEqual(worst(mapping), {
    // The write meets the NLB's reset within a round trip.
    rto: 1000,
    // The next probe, 600 s − 350 s after the expiry, gets the reset.
    keepalive: 250_000 + 1000,
  });
  assert.deepEqual(mapping.first, {
    mechanisms: ["keepalive"],
    maxMs: 251_000,
  });
  assert.match(
    mapping.verdict,
    /^aws-nlb forgets an idle connection after 5min 50s, and nothing sends that often; then first: keepalive, within 4min 11s$/,
  );
  // No heartbeat: nothing notices a frozen server.
  assert.equal(table(tables, "peer_frozen").first, undefined);
});

Deno.test("faultTables() counts retransmissions only once nothing unconditional notices", () => {
  const vanished = table(
    faultTables(input({ policy: undefined })),
    "peer_vanished",
  );
  assert.deepEqual(vanished.first, {
    mechanisms: ["keepalive"],
    maxMs: 7_875_000,
  });
  const rto = vanished.rows.find((row) => row.mechanism === "rto");
  assert.equal(rto?.condition, "only once the server writes to it");
});

Deno.test("faultTables() uses the client's own interval for the heartbeat", () => {
  const tables = faultTables(input({
    policy: policy(30_000, 90_000),
    clientIntervalMs: 5000,
    path: path("cgnat"),
  }));
  // timeout − 5 s to timeout + tick (1 s)
  const vanished = table(tables, "peer_vanished").rows.at(-1)!;
  assert.deepEqual(vanished.detection, {
    outcome: "detected",
    minMs: 85_000,
    maxMs: 91_000,
  });
  assert.equal(table(tables, "mapping_expired").rows.at(-1)?.periodMs, 5000);
});

Deno.test("faultTables() leaves out the expired mapping without a middlebox", () => {
  assert.deepEqual(faultTables(input()).map((t) => t.fault), [
    "peer_killed",
    "peer_vanished",
    "peer_frozen",
  ]);
});
