/**
 * Runs the whole test suite with `deno test` and ends with the plain summary
 * line CI reads: `N passed, N failed` (and `, N skipped` when tests were
 * ignored). Extra arguments are passed to `deno test`.
 *
 * @module
 */

const command = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", ...Deno.args],
  stdout: "piped",
  stderr: "inherit",
  stdin: "null",
});
const child = command.spawn();
const decoder = new TextDecoder();
let tail = "";
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
}
const status = await child.status;

// Deno's summary: "ok | 12 passed (3 steps) | 0 failed | 1 ignored (2s)".
// deno-lint-ignore no-control-regex
const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
const summary = plain.split("\n").reverse().find((line) =>
  /^(ok|FAILED) \|/.test(line.trim())
);
const count = (word: string): number => {
  const match = summary?.match(new RegExp(`(\\d+) ${word}`));
  return match ? Number(match[1]) : 0;
};
let passed = count("passed");
let failed = count("failed");
const ignored = count("ignored");
if (summary === undefined) {
  // No summary at all: the runner crashed or nothing ran. Count it as a failure.
  passed = 0;
  failed = Math.max(1, failed);
}
if (!status.success && failed === 0) failed = 1;
console.log(
  `${passed} passed, ${failed} failed` +
    (ignored > 0 ? `, ${ignored} skipped` : ""),
);
Deno.exit(status.success && failed === 0 ? 0 : 1);
