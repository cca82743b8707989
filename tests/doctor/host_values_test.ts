/**
 * Reading the host's keepalive values from inside a private network
 * namespace (`unshare -n`, root): the values are set in that namespace
 * only, never in the host's.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readHostKeepalive } from "../../doctor/_host_values.ts";
import { hasProgram, ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";
import { REPO } from "../_helpers/run.ts";

const ignore = ignoreUnless(
  "root, unshare and nsenter",
  IS_ROOT && hasProgram("unshare") && hasProgram("nsenter"),
  "tests/doctor/host_values_test.ts",
);

async function hostValues(): Promise<number[]> {
  const values: number[] = [];
  for (const field of ["time", "intvl", "probes"]) {
    const text = await Deno.readTextFile(
      `/proc/sys/net/ipv4/tcp_keepalive_${field}`,
    );
    values.push(Number(text.trim()));
  }
  return values;
}

Deno.test({
  name:
    "readHostKeepalive() reads the host's values from inside a namespace whose own differ",
  ignore,
  async fn() {
    const host = await hostValues();
    const script = `
import { readHostKeepalive } from "./doctor/_host_values.ts";
const self = await Deno.readLink("/proc/self/ns/net");
console.log(JSON.stringify({ self, host: await readHostKeepalive(self) }));`;
    const output = await new Deno.Command("unshare", {
      args: [
        "-n",
        "--",
        "sh",
        "-c",
        'echo 37 > /proc/sys/net/ipv4/tcp_keepalive_time && exec "$0" eval "$1"',
        Deno.execPath(),
        script,
      ],
      cwd: REPO,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const { self, host: read } = JSON.parse(
      new TextDecoder().decode(output.stdout),
    );
    assert.deepEqual(
      [read.values.time, read.values.intvl, read.values.probes],
      host,
    );
    assert.notEqual(read.namespace, self);
    assert.equal(read.namespace, await Deno.readLink("/proc/self/ns/net"));
    assert.match(read.via, /^pid \d+ \(.+\)$|^pid 1$/);
    assert.deepEqual(await hostValues(), host);
  },
});

Deno.test("readHostKeepalive() says why when no namespace or nsenter can be used", async () => {
  const proc = await Deno.makeTempDir();
  try {
    const none = await readHostKeepalive("net:[1]", { procDir: proc });
    assert.match(
      none.error ?? "",
      /^no process of another network namespace is visible/,
    );
    const bad = await readHostKeepalive("net:[1]", {
      procDir: proc,
      hostNs: `${proc}/missing`,
    });
    assert.equal(bad.values, undefined);
    assert.match(
      bad.error ?? "",
      /^(nsenter --net=.*missing failed: |cannot run nsenter)/,
    );
  } finally {
    await Deno.remove(proc, { recursive: true });
  }
});
