import assert from "node:assert/strict";
import { join } from "node:path";
import {
  effectiveLine,
  findDuplicateKeys,
  normalizeSysctlKey,
  parseSysctlConfig,
  renderSysctlConfig,
  setSysctlValues,
} from "../../sysctl/mod.ts";
import { FIXTURES } from "./_helpers.ts";

async function corpus(): Promise<[string, string][]> {
  const files: [string, string][] = [];
  for await (const entry of Deno.readDir(FIXTURES)) {
    if (entry.name.endsWith(".conf")) {
      files.push([
        entry.name,
        await Deno.readTextFile(join(FIXTURES, entry.name)),
      ]);
    }
  }
  return files.sort();
}

Deno.test("parsing and rendering every corpus file gives back the same bytes", async () => {
  const files = await corpus();
  assert.ok(files.length >= 7, "the corpus is missing files");
  const names = files.map(([name]) => name);
  assert.ok(
    names.includes("crlf.conf") && names.includes("no_final_newline.conf"),
  );
  for (const [name, text] of files) {
    assert.equal(renderSysctlConfig(parseSysctlConfig(text)), text, name);
  }
});

Deno.test("the parser tells comments, blanks, assignments, excludes and malformed lines apart", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "tuned_server.conf"));
  const kinds = parseSysctlConfig(text).lines.map((line) => line.kind);
  assert.deepEqual(kinds, [
    "comment",
    "assignment",
    "assignment",
    "assignment",
    "blank",
    "assignment",
    "assignment",
    "comment",
    "assignment",
    "exclude",
    "assignment",
  ]);
  const lines = parseSysctlConfig(text).lines;
  assert.equal(lines[5].key, "net.ipv4.tcp_keepalive_intvl");
  assert.equal(lines[5].value, "30");
  assert.equal(lines[6].ignoreErrors, true);
  assert.equal(lines[6].key, "net.ipv4.tcp_keepalive_probes");
  assert.equal(lines[3].value, "4096\t87380   6291456");
});

Deno.test("malformed lines are reported with their problem and line number", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "malformed.conf"));
  const bad = parseSysctlConfig(text).lines.filter((l) =>
    l.kind === "malformed"
  );
  assert.deepEqual(bad.map((l) => l.number), [2, 3, 4]);
  assert.match(bad[0].problem!, /expected "key = value"/);
  assert.match(bad[1].problem!, /missing value/);
  assert.match(bad[2].problem!, /missing key/);
});

Deno.test("keys written with slashes normalize to the dotted form", () => {
  assert.equal(
    normalizeSysctlKey("net/ipv4/tcp_keepalive_time"),
    "net.ipv4.tcp_keepalive_time",
  );
  assert.equal(
    normalizeSysctlKey("net.ipv4.conf.eth0/1.rp_filter"),
    "net.ipv4.conf.eth0/1.rp_filter",
  );
  assert.equal(
    normalizeSysctlKey("net/ipv4/conf/eth0.1/rp_filter"),
    "net.ipv4.conf.eth0/1.rp_filter",
  );
});

Deno.test("duplicates are listed and the last integer assignment is effective", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "tuned_server.conf"));
  const config = parseSysctlConfig(text);
  assert.deepEqual(findDuplicateKeys(config), [
    { key: "net.ipv4.tcp_keepalive_time", lines: [3, 9] },
  ]);
  assert.equal(effectiveLine(config, "net.ipv4.tcp_keepalive_time")?.number, 9);
  const malformed = parseSysctlConfig(
    await Deno.readTextFile(join(FIXTURES, "malformed.conf")),
  );
  assert.equal(
    effectiveLine(malformed, "net.ipv4.tcp_keepalive_probes")?.number,
    6,
  );
});

Deno.test("a byte order mark before a key makes the line malformed, since the loaders read it as part of the key", () => {
  const withKey =
    "\uFEFFnet.ipv4.tcp_keepalive_time = 600\nkernel.panic = 10\n";
  const config = parseSysctlConfig(withKey);
  assert.equal(renderSysctlConfig(config), withKey);
  assert.equal(config.lines[0].kind, "malformed");
  assert.match(config.lines[0].problem!, /byte order mark \(U\+FEFF\)/);
  assert.equal(effectiveLine(config, "net.ipv4.tcp_keepalive_time"), undefined);
  assert.equal(
    renderSysctlConfig(
      setSysctlValues(config, { "net.ipv4.tcp_keepalive_time": 60 }),
    ),
    withKey +
      "\n# Managed by lifeline: deno task sysctl apply\nnet.ipv4.tcp_keepalive_time = 60\n",
  );
  const withComment = "\uFEFF# tuned\r\nvm.swappiness=10";
  const comment = parseSysctlConfig(withComment);
  assert.equal(renderSysctlConfig(comment), withComment);
  assert.deepEqual(comment.lines.map((line) => line.kind), [
    "comment",
    "assignment",
  ]);
});
