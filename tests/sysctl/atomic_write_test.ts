import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ApplyError,
  applyKeepalive,
  writeFileAtomic,
} from "../../sysctl/mod.ts";
import { entries, ORIGINAL, tempRoot } from "./_helpers.ts";

Deno.test("a write that fails at any step leaves the old file byte for byte and no temporary file", async (t) => {
  for (const step of ["temp-written", "temp-synced"] as const) {
    await t.step(`failing at ${step}`, async () => {
      await using r = await tempRoot();
      await r.write("/etc/sysctl.conf", ORIGINAL);
      await assert.rejects(
        () =>
          applyKeepalive({ time: 60, intvl: 10 }, {
            root: r.root,
            procDir: r.proc,
            onStep: (at) => {
              if (at === step) throw new Error(`disk full at ${at}`);
            },
          }),
        (error: Error) => {
          assert.ok(error instanceof ApplyError);
          assert.match(error.message, new RegExp(`disk full at ${step}`));
          assert.equal((error as ApplyError).rolledBack, true);
          return true;
        },
      );
      assert.equal(await r.read("/etc/sysctl.conf"), ORIGINAL);
      assert.deepEqual(await entries(join(r.root, "etc")), [
        "sysctl.conf",
        "sysctl.d",
      ]);
      assert.deepEqual(await r.runtime(), { time: 7200, intvl: 75, probes: 9 });
    });
  }
  await t.step("writeFileAtomic() alone keeps the old content", async () => {
    await using r = await tempRoot();
    await r.write("/etc/sysctl.conf", ORIGINAL);
    await assert.rejects(() =>
      writeFileAtomic(join(r.root, "etc/sysctl.conf"), "half", {
        onStep: () => {
          throw new Error("crash");
        },
      })
    );
    assert.equal(await r.read("/etc/sysctl.conf"), ORIGINAL);
    assert.deepEqual(await entries(join(r.root, "etc")), [
      "sysctl.conf",
      "sysctl.d",
    ]);
  });
});

Deno.test("a process killed at any step of a write leaves the old file or the new one, never a mix", async () => {
  await using t = await tempRoot();
  const path = join(t.root, "etc/sysctl.conf");
  const module = new URL("../../sysctl/atomic_write.ts", import.meta.url).href;
  const next = "net.ipv4.tcp_keepalive_time = 60\n".repeat(2000);
  for (
    const [step, expected] of [
      ["temp-written", ORIGINAL],
      ["temp-synced", ORIGINAL],
      ["renamed", next],
    ] as const
  ) {
    await Deno.writeTextFile(path, ORIGINAL);
    const script = `import { writeFileAtomic } from ${JSON.stringify(module)};
await writeFileAtomic(${JSON.stringify(path)}, ${JSON.stringify(next)}, {
  onStep: (step) => { if (step === ${
      JSON.stringify(step)
    }) Deno.kill(Deno.pid, "SIGKILL"); },
});`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.equal(output.signal, "SIGKILL", step);
    assert.equal(await Deno.readTextFile(path), expected, step);
  }
});
