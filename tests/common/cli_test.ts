import assert from "node:assert/strict";
import { z } from "zod";
import {
  byteSizeFlag,
  choiceFlag,
  durationFlag,
  EXIT_USAGE,
  integerFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../../common/cli.ts";

Deno.test("parseFlags() turns an unknown flag or a missing value into a one-line UsageError", () => {
  const options = { port: { type: "string" as const } };
  assert.equal(parseFlags(["--port", "1"], options).values.port, "1");
  for (const args of [["--bogus"], ["--port"], ["stray"]]) {
    assert.throws(() => parseFlags(args, options), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message.split("\n").length, 1);
      return true;
    });
  }
  assert.deepEqual(parseFlags(["a", "b"], {}, true).positionals, ["a", "b"]);
});

Deno.test("the flag parsers name the flag and quote the bad value", () => {
  const schema = z.object({
    timeout: durationFlag("timeout", { min: 1, max: 60_000 }).optional(),
    port: integerFlag("port", 1, 65535).optional(),
    frame: byteSizeFlag("frame", 16, 1024).optional(),
    format: choiceFlag("format", ["text", "json"]).optional(),
    wait: durationFlag("wait", { bareMs: true }).optional(),
  });
  assert.deepEqual(
    validateFlags(schema, {
      timeout: "1m",
      port: "80",
      frame: "1k",
      format: "json",
      wait: "250",
    }),
    { timeout: 60_000, port: 80, frame: 1024, format: "json", wait: 250 },
  );
  const cases: [Record<string, string>, RegExp][] = [
    [{ timeout: "5x" }, /^--timeout: Cannot parse duration "5x"/],
    [
      { timeout: "2m" },
      /^--timeout: Cannot use "2m": expected a duration from 1ms to 1min$/,
    ],
    [{ timeout: "0s" }, /^--timeout: Cannot use "0s"/],
    [
      { port: "0" },
      /^--port: Cannot use "0": expected an integer from 1 to 65535$/,
    ],
    [{ port: "eighty" }, /^--port: Cannot use "eighty"/],
    [{ frame: "lots" }, /^--frame: Cannot parse size "lots"/],
    [{ frame: "2k" }, /^--frame: Cannot use "2k": expected 16 to 1024 bytes$/],
    [
      { format: "xml" },
      /^--format: Cannot use "xml": expected "text" or "json"$/,
    ],
  ];
  for (const [values, pattern] of cases) {
    assert.throws(() => validateFlags(schema, values), (error: Error) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("runCli() prints a UsageError as one line with the program's name and exits 2; other errors go through", async () => {
  const printed: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    const code = await runCli("demo", () => {
      throw new UsageError('--x: Cannot use "y"');
    }, []);
    assert.equal(code, EXIT_USAGE);
    assert.deepEqual(printed, ['demo: --x: Cannot use "y" (see --help)']);
    assert.equal(await runCli("demo", (args) => args.length, ["a"]), 1);
    await assert.rejects(
      runCli("demo", () => {
        throw new TypeError("a bug");
      }, []),
      TypeError,
    );
  } finally {
    console.error = original;
  }
});
