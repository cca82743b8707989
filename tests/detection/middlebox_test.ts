import assert from "node:assert/strict";
import { keepsAlive, trafficPeriodMs } from "../../detection/middlebox.ts";
import type { Mechanism, Middlebox } from "../../detection/types.ts";

const box = (idleMs: number, countsProbes = true): Middlebox => ({
  idleMs,
  afterExpiry: "drop",
  countsProbes,
});
const keepalive = (time: number, intvl: number): Mechanism => ({
  kind: "keepalive",
  settings: { time, intvl, probes: 3 },
});
const heartbeat = (intervalMs: number): Mechanism => ({
  kind: "heartbeat",
  intervalMs,
  timeoutMs: 3 * intervalMs,
  tickMs: 100,
});

Deno.test("trafficPeriodMs() is the probe period for keepalive, the ping interval for the heartbeat, nothing for the RTO", () => {
  assert.equal(trafficPeriodMs(keepalive(60, 90)), 90_000);
  assert.equal(trafficPeriodMs(heartbeat(5000)), 5000);
  assert.equal(trafficPeriodMs({ kind: "rto", retries2: 15 }), undefined);
});

Deno.test("keepsAlive() needs traffic strictly more often than the idle timeout", () => {
  assert.equal(keepsAlive(heartbeat(4999), box(5000)), true);
  // A ping due at the very moment of the timeout races it: not kept.
  assert.equal(keepsAlive(heartbeat(5000), box(5000)), false);
  assert.equal(keepsAlive(keepalive(300, 60), box(350_000)), true);
  assert.equal(keepsAlive(keepalive(7200, 75), box(350_000)), false);
  // The period is max(time, intvl): a short time with a long intvl fails.
  assert.equal(keepsAlive(keepalive(2, 75), box(4000)), false);
  assert.equal(keepsAlive({ kind: "rto", retries2: 15 }, box(1e9)), false);
});

Deno.test("keepsAlive() says keepalive probes do not keep a proxy that counts only data", () => {
  assert.equal(keepsAlive(keepalive(10, 5), box(60_000, false)), false);
  assert.equal(keepsAlive(heartbeat(5000), box(60_000, false)), true);
});
