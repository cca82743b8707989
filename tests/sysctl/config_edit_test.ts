import assert from "node:assert/strict";
import { join } from "node:path";
import {
  effectiveLine,
  effectiveLines,
  parseSysctlConfig,
  renderSysctlConfig,
  setSysctlText,
  setSysctlValues,
} from "../../sysctl/mod.ts";
import { FIXTURES, TIME } from "./_helpers.ts";

Deno.test("setSysctlValues() rewrites only the value of the last occurrence", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "tuned_server.conf"));
  const next = renderSysctlConfig(
    setSysctlValues(parseSysctlConfig(text), {
      "net.ipv4.tcp_keepalive_time": 60,
      "net.ipv4.tcp_keepalive_intvl": 10,
      "net.ipv4.tcp_keepalive_probes": 3,
    }),
  );
  const before = text.split("\n");
  const after = next.split("\n");
  assert.equal(after.length, before.length);
  const changed = before.flatMap((line, i) =>
    line === after[i] ? [] : [[line, after[i]]]
  );
  assert.deepEqual(changed, [
    [
      "net/ipv4/tcp_keepalive_intvl   =    30   ",
      "net/ipv4/tcp_keepalive_intvl   =    10   ",
    ],
    [
      "-net.ipv4.tcp_keepalive_probes = 5",
      "-net.ipv4.tcp_keepalive_probes = 3",
    ],
    ["net.ipv4.tcp_keepalive_time = 600", "net.ipv4.tcp_keepalive_time = 60"],
  ]);
});

Deno.test("missing keys are appended under one comment, keeping CRLF and adding the final newline", async () => {
  const crlf = await Deno.readTextFile(join(FIXTURES, "crlf.conf"));
  const next = renderSysctlConfig(
    setSysctlValues(parseSysctlConfig(crlf), {
      "net.ipv4.tcp_keepalive_time": 60,
      "net.ipv4.tcp_keepalive_intvl": 10,
    }),
  );
  assert.equal(
    next,
    crlf.replace("= 900", "= 60") +
      "\r\n# Managed by lifeline: deno task sysctl apply\r\nnet.ipv4.tcp_keepalive_intvl = 10\r\n",
  );
  const bare = await Deno.readTextFile(join(FIXTURES, "no_final_newline.conf"));
  assert.equal(
    renderSysctlConfig(
      setSysctlValues(parseSysctlConfig(bare), {
        "net.ipv4.tcp_keepalive_probes": 4,
      }),
    ),
    bare +
      "\n\n# Managed by lifeline: deno task sysctl apply\nnet.ipv4.tcp_keepalive_probes = 4\n",
  );
});

Deno.test("setting the values a file already has changes nothing", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "no_final_newline.conf"));
  const config = parseSysctlConfig(text);
  assert.equal(
    renderSysctlConfig(
      setSysctlValues(config, { "net.ipv4.tcp_keepalive_time": "300" }),
    ),
    text,
  );
});

Deno.test("a second append goes under the managed comment already at the end of the file", () => {
  const first = renderSysctlConfig(
    setSysctlValues(parseSysctlConfig("kernel.panic = 10\r\n"), {
      "net.ipv4.tcp_keepalive_time": 60,
    }),
  );
  const second = renderSysctlConfig(
    setSysctlValues(parseSysctlConfig(first), {
      "net.ipv4.tcp_keepalive_intvl": 20,
    }),
  );
  assert.equal(
    second,
    "kernel.panic = 10\r\n\r\n# Managed by lifeline: deno task sysctl apply\r\n" +
      "net.ipv4.tcp_keepalive_time = 60\r\nnet.ipv4.tcp_keepalive_intvl = 20\r\n",
  );
  // Once a blank line or a comment follows the block, a new block starts.
  const edited = first + "\r\n# local\r\nvm.swappiness = 10\r\n";
  const third = renderSysctlConfig(
    setSysctlValues(parseSysctlConfig(edited), {
      "net.ipv4.tcp_keepalive_probes": 3,
    }),
  );
  assert.equal(
    third,
    edited +
      "\r\n# Managed by lifeline: deno task sysctl apply\r\nnet.ipv4.tcp_keepalive_probes = 3\r\n",
  );
});

Deno.test("setSysctlText() rewrites the last line either loader reads for a key, whatever its form", () => {
  const cases: [string, string][] = [
    // A later line the kernel reads as 3600 or 0xe10 decides the boot value.
    [
      `${TIME} = 600\n${TIME} = 3600 # default\n`,
      `${TIME} = 600\n${TIME} = 60\n`,
    ],
    [`${TIME} = 600\n${TIME} = 0xe10\n`, `${TIME} = 600\n${TIME} = 60\n`],
    // A value the kernel refuses, and an empty one, replace earlier values under systemd.
    [`${TIME} = 600\n${TIME} = soon\n`, `${TIME} = 600\n${TIME} = 60\n`],
    [`${TIME} = 600\n${TIME} =\n`, `${TIME} = 600\n${TIME} =60\n`],
    // A later "-key" unsets it under systemd: it becomes an assignment.
    [`${TIME} = 600\n-${TIME}\n`, `${TIME} = 600\n-${TIME} = 60\n`],
  ];
  for (const [before, after] of cases) {
    assert.equal(setSysctlText(before, { [TIME]: 60 }), after, before);
  }
});

Deno.test("setSysctlText() replaces the whole value, so no byte that makes a loader refuse the line stays", () => {
  for (const junk of ["\u00a0", "\v", "\f", "\r7200", "\u00007200"]) {
    const before = `${TIME} = 600${junk}  \n`;
    assert.equal(
      setSysctlText(before, { [TIME]: 60 }),
      `${TIME} = 60  \n`,
      JSON.stringify(before),
    );
  }
});

Deno.test("setSysctlText() writes plainly a key that only one loader reads", () => {
  const cases: [string, string][] = [
    [`- ${TIME} = 600\n`, `-${TIME} = 60\n`],
    [`${TIME}. = 600\n`, `${TIME} = 60\n`],
    [`\t${TIME}\v = 600\n`, `\t${TIME} = 60\n`],
    // procps reads it, but a glob would still win over a key written so.
    [`net.ipv4..tcp_keepalive_time = 600\n`, `${TIME} = 60\n`],
  ];
  for (const [before, after] of cases) {
    assert.equal(setSysctlText(before, { [TIME]: 60 }), after, before);
  }
});

Deno.test("setSysctlText() leaves a line that already gives the value under both loaders", () => {
  for (
    const line of [
      `${TIME} = 0x3c\n`,
      `${TIME} = 60 # one minute\n`,
      `${TIME}=074\n`,
    ]
  ) {
    assert.equal(setSysctlText(line, { [TIME]: 60 }), line);
  }
});

Deno.test("effectiveLines() and effectiveLine() agree on a file's lines", () => {
  const text =
    `# x\n${TIME} = 1\nnet/ipv4/tcp_keepalive_time = 2 # two\nkernel.panic = 3\n`;
  assert.equal(effectiveLines(text, [TIME]).get(TIME)?.number, 3);
  assert.equal(effectiveLine(parseSysctlConfig(text), TIME)?.number, 3);
  assert.equal(
    effectiveLines(text, ["kernel.panic"]).get("kernel.panic")?.number,
    4,
  );
});
