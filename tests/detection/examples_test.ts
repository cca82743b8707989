// The JSDoc examples of detection/ are documentation that must keep
// working: none is skipped, and all of them run.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

Deno.test("every JSDoc example of detection/ runs, and none is marked ignore", async () => {
  for await (const entry of Deno.readDir(`${ROOT}detection`)) {
    const text = await Deno.readTextFile(`${ROOT}detection/${entry.name}`);
    assert.doesNotMatch(text, /^\s*\*\s*```\w+\s+ignore\b/m, entry.name);
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--doc", "-A", "--quiet", "detection/"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(output.stdout) +
    new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, text);
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  assert.ok(Number(/(\d+) passed/.exec(plain)?.[1] ?? 0) >= 10, plain);
});
