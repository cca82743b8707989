// The JSDoc examples of every published module are documentation that must
// keep working: none is skipped, and all of them run.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CONFIG = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));

/**
 * Every published TypeScript file: the folders of the package's entry
 * points, with their subfolders, and the folders of the CLIs it ships
 * (the tasks' `deno run` targets), less what `publish.exclude` keeps out.
 */
async function publishedFiles(): Promise<string[]> {
  const excluded: string[] = CONFIG.publish.exclude.map((p: string) =>
    p.replace(/\/$/, "")
  );
  const roots = new Set<string>();
  for (const target of Object.values<string>(CONFIG.exports)) {
    roots.add(target.replace(/^\.\//, "").replace(/\/?[^/]*$/, ""));
  }
  for (const task of Object.values<string>(CONFIG.tasks)) {
    const match = /^deno run -A ([\w/]+)\/main\.ts$/.exec(task);
    if (match) roots.add(match[1]);
  }
  const files = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    if (excluded.some((e) => folder === e || folder.startsWith(`${e}/`))) {
      return;
    }
    for await (const entry of Deno.readDir(`${ROOT}${folder || "."}`)) {
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory && folder !== "") await walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) files.add(path);
    }
  };
  for (const root of roots) await walk(root);
  return [...files].sort();
}

const FILES = await publishedFiles();

Deno.test("the examples test covers every entry point and CLI of the package", () => {
  for (
    const folder of [
      "server",
      "admin",
      "auth",
      "cluster/redis",
      "detection",
      "doctor",
      "sysctl/cli",
      "transport/node",
    ]
  ) {
    assert.ok(FILES.some((f) => f.startsWith(`${folder}/`)), folder);
  }
  assert.ok(FILES.includes("mod.ts"));
});

Deno.test("no JSDoc example of a published module is marked ignore", async () => {
  const skipped: string[] = [];
  for (const path of FILES) {
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
    args: ["test", "--doc", "-A", "--quiet", ...FILES],
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
  assert.ok(passed >= 200, plain);
});
