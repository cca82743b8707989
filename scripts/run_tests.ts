/**
 * Runs the whole test suite with `deno test` and ends with the plain
 * summary line CI reads: `N passed, N failed` (and `, N skipped` when tests
 * were ignored). Every server test runs on each transport of the matrix in
 * `tests/_helpers/server.ts` within this one run. Extra arguments are
 * passed to `deno test`.
 *
 * @module
 */

interface Counts {
  passed: number;
  failed: number;
  ignored: number;
}

async function denoTest(args: string[]): Promise<Counts> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", ...args],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
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
  if (summary === undefined) {
    // No summary at all: the runner crashed or nothing ran. A failure.
    passed = 0;
    failed = Math.max(1, failed);
  }
  if (!status.success && failed === 0) failed = 1;
  return { passed, failed, ignored: count("ignored") };
}

const total = await denoTest(Deno.args);
console.log(
  `${total.passed} passed, ${total.failed} failed` +
    (total.ignored > 0 ? `, ${total.ignored} skipped` : ""),
);
Deno.exit(total.failed === 0 ? 0 : 1);
