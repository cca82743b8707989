// The JSDoc examples of every published module are documentation that must
// keep working: none is skipped, and all of them run.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = [
  "server",
  "admin",
  "client",
  "browser",
  "protocol",
  "transport",
  "transport/node",
  "liveness",
  "common",
  "sysctl",
];
const FILES = ["mod.ts"];

Deno.test("no JSDoc example of a published module is marked ignore", async () => {
  const skipped: string[] = [];
  const paths = [...FILES];
  for (const folder of FOLDERS) {
    for await (const entry of Deno.readDir(`${ROOT}${folder}`)) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        paths.push(`${folder}/${entry.name}`);
      }
    }
  }
  for (const path of paths) {
    const text = await Deno.readTextFile(`${ROOT}${path}`);
    text.split("\n").forEach((line, i) => {
      if (/^\s*\*\s*```\w+\s+ignore\b/.test(line)) {
        skipped.push(`${path}:${i + 1}`);
      }
    });
  }
  assert.deepEqual(skipped, []);
});

Deno.test("every JSDoc example of a published module runs", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--doc", "-A", "--quiet", ...FOLDERS, ...FILES],
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
  assert.ok(passed >= 90, plain);
});
