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

Deno.test("parseHarnessArgs() builds the presence scenario, with a freeze midway between suspectAfter + tick and timeout - interval", () => {
  const none = parseHarnessArgs([]);
  assert.ok(none !== "help");
  assert.deepEqual(none.watch, [0]);
  assert.equal(none.scenario, undefined);
  assert.equal(none.suspectAfterMs, 1500);
  const options = parseHarnessArgs([
    "--watch",
    "0,10,10",
    "--kill",
    "100",
    "--freeze",
    "100",
    "--clients",
    "10000",
    "--steady",
    "20s",
  ]);
  assert.ok(options !== "help");
  assert.deepEqual(options.watch, [0, 10]);
  assert.deepEqual(options.scenario, {
    kills: 100,
    freezes: 100,
    freezeForMs: 3000,
    freezeBy: "pause",
    freezeWorkers: 4,
  });
  assert.equal(options.suspectAfterGiven, false);
  const quick = parseHarnessArgs([
    "--interval",
    "200ms",
    "--timeout",
    "2s",
    "--tick",
    "100ms",
    "--suspect-after",
    "600ms",
    "--freeze",
    "10",
    "--freeze-by",
    "sigstop",
    "--steady",
    "3s",
  ]);
  assert.ok(quick !== "help");
  assert.equal(quick.scenario?.freezeForMs, 1250);
  assert.equal(quick.scenario?.freezeBy, "sigstop");
  assert.equal(quick.suspectAfterMs, 600);
  assert.equal(quick.suspectAfterGiven, true);
});

Deno.test("parseHarnessArgs() refuses a freeze that would not make a client suspect, or would time it out, and a scenario that does not fit", () => {
  for (
    const [args, message] of [
      [
        ["--freeze", "10", "--freeze-for", "1s"],
        /^--freeze-for: Cannot freeze clients for 1s: expected more than suspectAfter \+ tick and less than timeout - interval \(2s to 4s here\)$/,
      ],
      [["--freeze", "10", "--freeze-for", "4s"], /^--freeze-for: /],
      [["--freeze", "10", "--timeout", "2500ms"], /^--freeze: Cannot freeze/],
      [
        ["--freeze-for", "3s"],
        /^--freeze-for: Cannot use "3s" without --freeze$/,
      ],
      [
        ["--kill", "800", "--freeze", "300"],
        /^--kill, --freeze, --watch: Cannot kill 800 and freeze 300 of 1000 clients/,
      ],
      [
        ["--watch", "10", "--clients", "5"],
        /^--kill, --freeze, --watch: Cannot watch 10 others/,
      ],
      [["--watch", "1001"], /^--watch: Cannot use "1001"/],
      [["--freeze-by", "sigkill"], /^--freeze-by: /],
    ] as const
  ) {
    assert.throws(
      () => parseHarnessArgs([...args]),
      (error) => error instanceof UsageError && message.test(error.message),
      args.join(" "),
    );
  }
});

Deno.test("parseHarnessArgs() takes --stall-server, a pause of each server within the steady window", () => {
  const options = parseHarnessArgs(["--stall-server", "3500ms"]);
  assert.ok(options !== "help");
  assert.equal(options.stallServerMs, 3500);
  const none = parseHarnessArgs([]);
  assert.ok(none !== "help");
  assert.equal(none.stallServerMs, undefined);
  assert.throws(
    () => parseHarnessArgs(["--stall-server", "2m"]),
    (error) =>
      error instanceof UsageError && /^--stall-server: /.test(error.message),
  );
});

Deno.test("parseHarnessArgs() measures the wheel by default, and each arrival mode asked for in a fixed order", () => {
  const defaults = parseHarnessArgs([]);
  assert.ok(defaults !== "help");
  assert.deepEqual(defaults.arrivals, ["wheel"]);
  const both = parseHarnessArgs(["--arrivals", "uniform,wheel"]);
  assert.ok(both !== "help");
  assert.deepEqual(both.arrivals, ["wheel", "uniform"]);
  assert.throws(
    () => parseHarnessArgs(["--arrivals", "poisson"]),
    /--arrivals: Cannot use "poisson": expected some of wheel,uniform/,
  );
});

Deno.test("parseHarnessArgs() takes the cluster scenario with --workers, up to 200,000 clients, and its defaults", () => {
  const options = parseHarnessArgs([
    "--workers",
    "6",
    "--clients",
    "100000",
  ]);
  assert.ok(options !== "help");
  assert.equal(options.clients, 100_000);
  assert.deepEqual(options.cluster, {
    workers: 6,
    singleClients: 10_000,
    nodeTtlMs: 10_000,
    churnPerSecond: 1000,
    churnForMs: 10_000,
    watchers: 2,
    silent: 1000,
  });
  const alone = parseHarnessArgs([]);
  assert.ok(alone !== "help");
  assert.equal(alone.cluster, undefined);
});

Deno.test("parseHarnessArgs() refuses the cluster flags without --workers, the flags the cluster scenario cannot take, and too many clients for one server", () => {
  for (
    const [args, message] of [
      [["--silent", "10"], /^--silent: Cannot use it without --workers$/],
      [["--node-ttl", "5s"], /^--node-ttl: Cannot use it without --workers$/],
      [
        ["--clients", "100000"],
        /^--clients: Cannot use "100000": expected at most 60000/,
      ],
      [
        ["--workers", "3", "--servers", "go"],
        /^--servers: Cannot use it with --workers/,
      ],
      [
        ["--workers", "3", "--watch", "10"],
        /^--watch: Cannot use it with --workers/,
      ],
      [
        ["--workers", "3", "--protocol", "go"],
        /^--protocol: Cannot run the cluster scenario without lifeline/,
      ],
      [["--workers", "1"], /^--workers: /],
    ] as [string[], RegExp][]
  ) {
    assert.throws(
      () => parseHarnessArgs(args),
      (error) => error instanceof UsageError && message.test(error.message),
      args.join(" "),
    );
  }
});
