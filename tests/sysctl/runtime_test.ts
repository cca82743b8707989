import assert from "node:assert/strict";
import { join } from "node:path";
import {
  networkNamespace,
  readKernelInfo,
  readRuntime,
  runtimePath,
  writeRuntimeValue,
} from "../../sysctl/mod.ts";
import { tempRoot } from "./_helpers.ts";

Deno.test("readRuntime() and writeRuntimeValue() use the injected procfs", async () => {
  await using t = await tempRoot({ time: 600, intvl: 30, probes: 5 });
  assert.equal(
    runtimePath("time", { procDir: t.proc }),
    join(t.proc, "sys/net/ipv4/tcp_keepalive_time"),
  );
  assert.deepEqual(await readRuntime({ procDir: t.proc }), {
    time: 600,
    intvl: 30,
    probes: 5,
  });
  await writeRuntimeValue("intvl", 7, { procDir: t.proc });
  assert.deepEqual(await t.runtime(), { time: 600, intvl: 7, probes: 5 });
  await Deno.writeTextFile(runtimePath("probes", { procDir: t.proc }), "x\n");
  await assert.rejects(
    () => readRuntime({ procDir: t.proc }),
    /Cannot read net\.ipv4\.tcp_keepalive_probes: "x"/,
  );
});

Deno.test("networkNamespace() tells the host's namespace from others", async (t) => {
  await t.step("the fixed inode of the initial namespace", async () => {
    await using r = await tempRoot(undefined, {
      self: "net:[4026531833]",
      init: "net:[4026531833]",
    });
    assert.deepEqual(await networkNamespace({ procDir: r.proc }), {
      id: "net:[4026531833]",
      initial: true,
    });
  });
  await t.step("a namespace other than pid 1's", async () => {
    await using r = await tempRoot(undefined, {
      self: "net:[4026532001]",
      init: "net:[4026531992]",
    });
    assert.equal(
      (await networkNamespace({ procDir: r.proc })).initial,
      false,
    );
  });
  await t.step("same as pid 1 on an old kernel: unknown", async () => {
    await using r = await tempRoot(undefined, {
      self: "net:[4026531992]",
      init: "net:[4026531992]",
    });
    await Deno.mkdir(join(r.proc, "sys/kernel"), { recursive: true });
    await Deno.writeTextFile(join(r.proc, "sys/kernel/osrelease"), "6.1.0\n");
    assert.equal(
      (await networkNamespace({ procDir: r.proc })).initial,
      undefined,
    );
    await Deno.writeTextFile(join(r.proc, "sys/kernel/osrelease"), "6.18.2\n");
    assert.equal(
      (await networkNamespace({ procDir: r.proc })).initial,
      false,
    );
  });
});

Deno.test("readKernelInfo() finds the release and CONFIG_HZ in procfs", async () => {
  await using t = await tempRoot();
  assert.deepEqual(await readKernelInfo({ procDir: t.proc }), {});
  await Deno.mkdir(join(t.proc, "sys/kernel"), { recursive: true });
  await Deno.writeTextFile(join(t.proc, "sys/kernel/osrelease"), "6.1.0-x\n");
  const config = "CONFIG_HZ_250=y\nCONFIG_HZ=250\n";
  const gzip = new Blob([config]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  await Deno.writeFile(
    join(t.proc, "config.gz"),
    new Uint8Array(await new Response(gzip).arrayBuffer()),
  );
  assert.deepEqual(await readKernelInfo({ procDir: t.proc }), {
    release: "6.1.0-x",
    hz: 250,
  });
});
