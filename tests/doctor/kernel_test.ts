import assert from "node:assert/strict";
import { join } from "node:path";
import { readKernelFacts } from "../../doctor/_kernel.ts";
import { fakeProc } from "./_helpers.ts";

Deno.test("readKernelFacts() reads keepalive and tcp_retries2 from --proc and the boot values from --root", async () => {
  await using t = await fakeProc({ time: 60, intvl: 20, probes: 3 }, 5);
  await Deno.writeTextFile(
    join(t.root, "etc/sysctl.d/60-keepalive.conf"),
    "net.ipv4.tcp_keepalive_time = 120\n",
  );
  const facts = await readKernelFacts({ procDir: t.proc, root: t.root });
  assert.deepEqual(facts.runtime, { time: 60, intvl: 20, probes: 3 });
  assert.deepEqual([facts.retries2, facts.retries2Read], [5, true]);
  assert.deepEqual(facts.namespace, { id: "net:[4026531833]", initial: true });
  assert.equal(facts.host, undefined);
  assert.deepEqual(facts.boot, {
    procps: { time: 120, intvl: 75, probes: 9 },
    systemd: { time: 120, intvl: 75, probes: 9 },
  });
});

Deno.test("readKernelFacts() says what it could not read", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const facts = await readKernelFacts({ procDir: empty, root: empty });
    assert.equal(facts.runtime, undefined);
    assert.match(facts.runtimeError ?? "", /tcp_keepalive_time/);
    assert.deepEqual([facts.retries2, facts.retries2Read], [15, false]);
    // No namespace to tell: the host's values are looked for, and not found.
    assert.deepEqual(facts.namespace, {});
    assert.match(
      facts.host?.error ?? "",
      /no process of another network namespace/,
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});
