// The example alert rules in docs/operations.md are valid Prometheus rules.
import assert from "node:assert/strict";
import { hasProgram, ignoreUnless } from "../_helpers/needs.ts";
import { REPO } from "../_helpers/run.ts";

Deno.test({
  name:
    "the example alert rules in docs/operations.md pass promtool check rules",
  ignore: ignoreUnless(
    "promtool",
    hasProgram("promtool"),
    "tests/admin/alert_rules_test.ts",
  ),
}, async () => {
  const doc = await Deno.readTextFile(`${REPO}docs/operations.md`);
  const block = /```yaml\n(groups:[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block !== undefined, "No alert rules block in docs/operations.md");
  const dir = await Deno.makeTempDir({ prefix: "lifeline_rules_" });
  try {
    await Deno.writeTextFile(`${dir}/rules.yml`, block);
    const output = await new Deno.Command("promtool", {
      args: ["check", "rules", `${dir}/rules.yml`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) +
      new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, text);
    assert.match(text, /SUCCESS: \d+ rules found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
