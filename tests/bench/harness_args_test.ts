import assert from "node:assert/strict";
import { parseHarnessArgs } from "../../bench/_harness_args.ts";
import { UsageError } from "../../common/cli.ts";

Deno.test("parseHarnessArgs() takes a git revision after @ for Lifeline's servers only", () => {
  const options = parseHarnessArgs([
    "--servers",
    "lifeline-node,lifeline-deno@v1.2,lifeline-node@4493b0c,lifeline-node",
  ]);
  assert.notEqual(options, "help");
  assert.deepEqual(options !== "help" && options.servers, [
    { kind: "lifeline-node" },
    { kind: "lifeline-deno", revision: "v1.2" },
    { kind: "lifeline-node", revision: "4493b0c" },
  ]);
  for (const servers of ["go@4493b0c", "lifeline-node@", "lifeline-node@a b"]) {
    assert.throws(
      () => parseHarnessArgs(["--servers", servers]),
      (error) =>
        error instanceof UsageError && /^--servers: /.test(error.message),
      servers,
    );
  }
});

Deno.test("parseHarnessArgs() keeps the harness's defaults and bounds", () => {
  const options = parseHarnessArgs([]);
  assert.ok(options !== "help");
  assert.equal(options.clients, 1000);
  assert.equal(options.intervalMs, 1000);
  assert.equal(options.timeoutMs, 5000);
  assert.equal(options.serverIntervalMs, 1000);
  assert.equal(options.clientTickMs, 2);
  assert.deepEqual(options.protocols, ["go", "lifeline"]);
  assert.equal(options.servers, undefined);
  assert.equal(options.settleMs, 3000);
  assert.equal(options.steadyMs, 26_000);
  assert.equal(options.perProcess, 15000);
  assert.equal(parseHarnessArgs(["--help"]), "help");
  for (
    const args of [
      ["--clients", "60001"],
      ["--interval", "5ms"],
      ["--steady", "11m"],
      ["--repeat", "6"],
      ["--protocol", "http"],
    ]
  ) {
    assert.throws(() => parseHarnessArgs(args), UsageError, args.join(" "));
  }
});
