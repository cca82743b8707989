import assert from "node:assert/strict";
import { cli, tempRoot } from "../_helpers.ts";

Deno.test("plan warns when this network namespace is not the host's and still on the defaults", async () => {
  await using t = await tempRoot();
  const plan = await cli(["plan", "--detect-within", "2m", "--proc", t.proc]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(
    plan.stdout,
    /\nwarning: runtime: network namespace net:\[4026532000\] is not the host's and still has the kernel defaults 7200\/75\/9: .*apply --runtime-only/,
  );
  const json = JSON.parse(
    (await cli(["plan", "--detect-within", "2m", "--proc", t.proc, "--json"]))
      .stdout,
  );
  assert.equal(json.warnings.length, 1);
  await using host = await tempRoot(undefined, {
    self: "net:[4026531833]",
    init: "net:[4026531833]",
  });
  const quiet = await cli([
    "plan",
    "--detect-within",
    "2m",
    "--proc",
    host.proc,
  ]);
  assert.doesNotMatch(quiet.stdout, /warning/);
  const fraction = await cli(["plan", "--detect-within", "1500ms"]);
  assert.equal(fraction.code, 2);
  assert.match(fraction.stderr, /detection time of "1\.5s"/);
});
