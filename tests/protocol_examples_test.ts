// The JSDoc examples of the server, client, protocol and common modules are
// documentation that must keep working: none is skipped, and all of them run.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = ["server", "client", "protocol", "common"];

Deno.test("no JSDoc example in server/, client/, protocol/ or common/ is marked ignore", async () => {
  const skipped: string[] = [];
  for (const folder of FOLDERS) {
    for await (const entry of Deno.readDir(`${ROOT}${folder}`)) {
      if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(`${ROOT}${folder}/${entry.name}`);
      text.split("\n").forEach((line, i) => {
        if (/^\s*\*\s*```\w+\s+ignore\b/.test(line)) {
          skipped.push(`${folder}/${entry.name}:${i + 1}`);
        }
      });
    }
  }
  assert.deepEqual(skipped, []);
});

Deno.test("every JSDoc example in server/, client/, protocol/ and common/ runs", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--doc", "-A", "--quiet", ...FOLDERS],
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
  const passed = Number(/(\d+) passed/.exec(plain)?.[1] ?? 0);
  assert.ok(passed >= 32, plain);
});
