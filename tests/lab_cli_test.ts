import assert from "node:assert/strict";

async function cli(file: string, args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(file, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("deno task lab rejects an unknown flag with one line and exit code 2", async () => {
  const result = await cli("../lab/main.ts", ["--bogus"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /bogus/);
});

Deno.test("deno task lab rejects a repetition count out of range with exit code 2", async () => {
  const result = await cli("../lab/main.ts", ["--repetitions", "0"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /repetitions/);
});

Deno.test("deno task lab --help prints the usage and exits 0", async () => {
  const result = await cli("../lab/main.ts", ["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /--quick/);
});

Deno.test("the probe rejects a bad keepalive mode with exit code 2", async () => {
  const result = await cli("../lab/probe.ts", [
    "--role",
    "server",
    "--keepalive",
    "sometimes",
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /keepalive/);
});
