import assert from "node:assert/strict";
import { runDeno } from "../_helpers/run.ts";

Deno.test("the probe rejects a bad keepalive mode with exit code 2", async () => {
  const result = await runDeno("lab/probe.ts", [
    "--role",
    "server",
    "--keepalive",
    "sometimes",
  ]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /^probe: --keepalive/);
});

Deno.test("the probe says a missing --role is missing, with exit code 2", async () => {
  const result = await runDeno("lab/probe.ts", ["--keepalive", "on"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^probe: Missing "--role"/);
});
