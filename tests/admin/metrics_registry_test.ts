import assert from "node:assert/strict";
import { MetricsRegistry } from "../../admin/mod.ts";
import { hasProgram, ignoreUnless } from "../_helpers/needs.ts";

function sample(): MetricsRegistry {
  let n = 0;
  return new MetricsRegistry()
    .counter({ name: "jobs_total", help: "Jobs.\nDone.", collect: () => ++n })
    .gauge({
      name: "queue",
      help: "Queue by name.",
      collect: () => [
        { labels: { name: 'a"b\\c\nd' }, value: 1.5 },
        { labels: { name: "x" }, value: NaN },
      ],
    })
    .histogram({
      name: "latency_seconds",
      help: "Latency.",
      collect: () => ({
        bounds: [0.1, 0.5],
        counts: [2, 3, 1],
        sum: 1.25,
        count: 6,
      }),
    });
}

Deno.test("MetricsRegistry renders help, type, escaped labels, special values and cumulative buckets", async () => {
  const text = await sample().render();
  assert.equal(
    text,
    [
      "# HELP jobs_total Jobs.\\nDone.",
      "# TYPE jobs_total counter",
      "jobs_total 1",
      "# HELP queue Queue by name.",
      "# TYPE queue gauge",
      'queue{name="a\\"b\\\\c\\nd"} 1.5',
      'queue{name="x"} NaN',
      "# HELP latency_seconds Latency.",
      "# TYPE latency_seconds histogram",
      'latency_seconds_bucket{le="0.1"} 2',
      'latency_seconds_bucket{le="0.5"} 5',
      'latency_seconds_bucket{le="+Inf"} 6',
      "latency_seconds_sum 1.25",
      "latency_seconds_count 6",
      "",
    ].join("\n"),
  );
});

Deno.test("MetricsRegistry reads every family on each render, after its hooks", async () => {
  const order: string[] = [];
  let value = 0;
  const registry = new MetricsRegistry()
    .beforeCollect(() => {
      order.push("hook");
      value++;
    })
    .gauge({
      name: "g",
      help: "G.",
      collect: () => (order.push("collect"), value),
    });
  assert.match(await registry.render(), /^g 1$/m);
  assert.match(await registry.render(), /^g 2$/m);
  assert.deepEqual(order, ["hook", "collect", "hook", "collect"]);
});

Deno.test("MetricsRegistry refuses bad names, taken names and counters not ending in _total", () => {
  const registry = new MetricsRegistry().gauge({
    name: "taken",
    help: "",
    collect: () => 0,
  });
  const cases: [() => unknown, RegExp][] = [
    [
      () => registry.gauge({ name: "9lives", help: "", collect: () => 0 }),
      /^Cannot register metric "9lives": expected letters/,
    ],
    [
      () => registry.gauge({ name: "a-b", help: "", collect: () => 0 }),
      /^Cannot register metric "a-b"/,
    ],
    [
      () => registry.gauge({ name: "taken", help: "", collect: () => 0 }),
      /^Cannot register metric "taken": expected a name not registered already$/,
    ],
    [
      () => registry.counter({ name: "jobs", help: "", collect: () => 0 }),
      /^Cannot register counter "jobs": expected a name ending in "_total"$/,
    ],
  ];
  for (const [register, message] of cases) {
    assert.throws(
      register,
      (e: unknown) => e instanceof TypeError && message.test(e.message),
    );
  }
  assert.deepEqual(registry.names, ["taken"]);
});

Deno.test("MetricsRegistry refuses a histogram whose counts do not match its bounds", async () => {
  const registry = new MetricsRegistry().histogram({
    name: "h",
    help: "",
    collect: () => ({ bounds: [1], counts: [1], sum: 1, count: 1 }),
  });
  await assert.rejects(
    () => registry.render(),
    /Cannot render histogram "h" with 1 counts: expected 2/,
  );
});

Deno.test({
  name: "MetricsRegistry's text passes promtool check metrics",
  ignore: ignoreUnless(
    "promtool",
    hasProgram("promtool"),
    "tests/admin/metrics_registry_test.ts",
  ),
}, async () => {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(await sample().render()));
  await writer.close();
  const output = await child.output();
  const problems = new TextDecoder().decode(output.stderr) +
    new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, problems);
  assert.equal(problems.trim(), "");
});
