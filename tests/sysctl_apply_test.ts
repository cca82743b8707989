import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ApplyError,
  applyKeepalive,
  planChanges,
  readApplyRecord,
  restoreKeepalive,
  writeFileAtomic,
} from "../sysctl/mod.ts";
import { tempRoot } from "./sysctl_helpers.ts";

const TIME = "net.ipv4.tcp_keepalive_time";
const ORIGINAL =
  "# ops\r\nkernel.panic = 10\r\n net.ipv4.tcp_keepalive_time =  900";

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("apply writes the file and the kernel values, and restore puts both back", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", ORIGINAL);
  const options = { root: t.root, procDir: t.proc };
  const changes = await applyKeepalive(
    { time: 60, intvl: 10, probes: 3 },
    options,
  );
  assert.ok(changes.changed);
  assert.equal(
    await t.read("/etc/sysctl.conf"),
    ORIGINAL.replace("=  900", "=  60") +
      "\r\n\r\n# Managed by lifeline: deno task sysctl apply\r\n" +
      "net.ipv4.tcp_keepalive_intvl = 10\r\nnet.ipv4.tcp_keepalive_probes = 3\r\n",
  );
  assert.deepEqual(await t.runtime(), { time: 60, intvl: 10, probes: 3 });
  const record = await readApplyRecord(options);
  assert.deepEqual(record?.runtimeBefore, { time: 7200, intvl: 75, probes: 9 });
  assert.equal(record?.existed, true);

  const again = await applyKeepalive(
    { time: 60, intvl: 10, probes: 3 },
    options,
  );
  assert.equal(again.changed, false);

  await restoreKeepalive(options);
  assert.equal(await t.read("/etc/sysctl.conf"), ORIGINAL);
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });
});

Deno.test("restore removes a file that the last apply created", async () => {
  await using t = await tempRoot();
  const options = {
    root: t.root,
    procDir: t.proc,
    file: "/etc/sysctl.d/60-keepalive.conf",
  };
  await applyKeepalive({ time: 120 }, { ...options, scope: "file" });
  assert.match(await t.read(options.file), /tcp_keepalive_time = 120/);
  await restoreKeepalive({ ...options, scope: "file" });
  await assert.rejects(() => t.read(options.file), Deno.errors.NotFound);
  await assert.rejects(
    () => restoreKeepalive({ root: join(t.root, "empty") }),
    (error: Error) =>
      error instanceof ApplyError && /no backup/.test(error.message),
  );
});

Deno.test("apply through a symlinked target writes the real file and leaves the link a link", async () => {
  await using t = await tempRoot();
  await t.write("/srv/config/keepalive.conf", `${TIME} = 900\n`);
  await t.link("/srv/config/keepalive.conf", "/etc/sysctl.d/60-keepalive.conf");
  await Deno.chmod(join(t.root, "srv/config/keepalive.conf"), 0o640);
  if (Deno.uid() === 0) {
    await Deno.chown(join(t.root, "srv/config/keepalive.conf"), 65534, 65534);
  }
  const changes = await applyKeepalive({ time: 45 }, {
    root: t.root,
    procDir: t.proc,
    file: "/etc/sysctl.d/60-keepalive.conf",
    scope: "file",
  });
  assert.equal(changes.realPath, "/srv/config/keepalive.conf");
  const link = await Deno.lstat(join(t.root, "etc/sysctl.d/60-keepalive.conf"));
  assert.ok(link.isSymlink);
  assert.equal(
    await Deno.readLink(join(t.root, "etc/sysctl.d/60-keepalive.conf")),
    "/srv/config/keepalive.conf",
  );
  assert.equal(await t.read("/srv/config/keepalive.conf"), `${TIME} = 45\n`);
  const info = await Deno.stat(join(t.root, "srv/config/keepalive.conf"));
  assert.equal(info.mode! & 0o7777, 0o640);
  if (Deno.uid() === 0) assert.deepEqual([info.uid, info.gid], [65534, 65534]);
  assert.deepEqual(await entries(join(t.root, "srv/config")), [
    "keepalive.conf",
  ]);
});

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

Deno.test("a failure while setting kernel values rolls back the file and the values already set", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", ORIGINAL);
  let written = 0;
  await assert.rejects(
    () =>
      applyKeepalive({ time: 60, intvl: 10, probes: 3 }, {
        root: t.root,
        procDir: t.proc,
        onStep: (step) => {
          if (step === "runtime-value-written" && ++written === 2) {
            throw new Error("EPERM on tcp_keepalive_probes");
          }
        },
      }),
    (error: Error) => {
      assert.ok(error instanceof ApplyError);
      assert.match(
        error.message,
        /^Cannot apply: EPERM on tcp_keepalive_probes; rolled back: net\.ipv4\.tcp_keepalive_intvl back to 75, net\.ipv4\.tcp_keepalive_time back to 7200, \/etc\/sysctl\.conf restored$/,
      );
      return true;
    },
  );
  assert.equal(await t.read("/etc/sysctl.conf"), ORIGINAL);
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });
});

Deno.test("a value that reads back differently fails the apply and rolls back", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", ORIGINAL);
  const probes = join(t.proc, "sys/net/ipv4/tcp_keepalive_probes");
  await assert.rejects(
    () =>
      applyKeepalive({ time: 60, probes: 3 }, {
        root: t.root,
        procDir: t.proc,
        onStep: async (step) => {
          // A kernel that silently clamps: probes reads back as 9.
          if (step === "runtime-value-written") {
            const now = (await Deno.readTextFile(probes)).trim();
            if (now === "3") await Deno.writeTextFile(probes, "9\n");
          }
        },
      }),
    /reads back as 9|reads back as "9"/,
  );
  assert.equal(await t.read("/etc/sysctl.conf"), ORIGINAL);
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });
});

Deno.test("two applies at once do not interleave: the second waits for the lock", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", ORIGINAL);
  const events: string[] = [];
  const options = { root: t.root, procDir: t.proc, scope: "file" as const };
  const first = applyKeepalive({ time: 111 }, {
    ...options,
    onStep: async (step) => {
      events.push(`first ${step}`);
      if (step === "temp-written") {
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = applyKeepalive({ time: 222 }, {
    ...options,
    onStep: (step) => {
      events.push(`second ${step}`);
    },
    onLockWait: () => events.push("second waits for the lock"),
  });
  await Promise.all([first, second]);
  const waits = events.indexOf("second waits for the lock");
  assert.ok(waits !== -1 && waits < events.indexOf("second temp-written"));
  assert.deepEqual(events.filter((_, i) => i !== waits), [
    "first temp-written",
    "first temp-synced",
    "first renamed",
    "second temp-written",
    "second temp-synced",
    "second renamed",
  ]);
  assert.match(await t.read("/etc/sysctl.conf"), /= {2}222$/);
  assert.equal(
    await Deno.readTextFile(
      join(t.root, "var/lib/lifeline/sysctl/last_apply.conf"),
    ),
    ORIGINAL.replace("900", "111"),
  );
});

Deno.test("diff warns about a later file overriding the target, and about systemd ignoring /etc/sysctl.conf", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", `${TIME} = 900\nbroken line\n`);
  await t.write("/usr/lib/sysctl.d/99-vendor.conf", `${TIME} = 7200\n`);
  const options = { root: t.root, procDir: t.proc, scope: "file" as const };
  const changes = await planChanges({ time: 60 }, options);
  assert.ok(
    changes.warnings.includes(
      '/etc/sysctl.conf:2: expected "key = value", found "broken line" (left untouched)',
    ),
    changes.warnings.join("\n"),
  );
  assert.ok(
    changes.warnings.some((w) =>
      /^systemd-sysctl does not read \/etc\/sysctl\.conf/.test(w)
    ),
  );
  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  const linked = await planChanges({ time: 60 }, options);
  assert.ok(!linked.warnings.some((w) => /does not read/.test(w)));
  assert.ok(
    linked.warnings.includes(
      `/usr/lib/sysctl.d/99-vendor.conf:1 sets ${TIME} = 7200 after /etc/sysctl.conf: under systemd the boot value is 7200`,
    ),
    linked.warnings.join("\n"),
  );
  const dropIn = await planChanges({ time: 60 }, {
    ...options,
    file: "/etc/sysctl.d/60-keepalive.conf",
  });
  // procps applies /etc/sysctl.conf last; systemd reads it through the link,
  // before 99-vendor.conf.
  assert.deepEqual(dropIn.warnings.filter((w) => / sets /.test(w)), [
    `/etc/sysctl.conf:1 sets ${TIME} = 900 after /etc/sysctl.d/60-keepalive.conf: under procps the boot value is 900`,
    `/usr/lib/sysctl.d/99-vendor.conf:1 sets ${TIME} = 7200 after /etc/sysctl.d/60-keepalive.conf: under systemd the boot value is 7200`,
  ]);
});

Deno.test("a failed apply keeps the backup of the last successful one for restore", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", ORIGINAL);
  const options = { root: t.root, procDir: t.proc };
  await applyKeepalive({ time: 60 }, options);
  await assert.rejects(
    () =>
      applyKeepalive({ time: 30 }, {
        ...options,
        onStep: (step) => {
          if (step === "runtime-value-written") throw new Error("boom");
        },
      }),
    ApplyError,
  );
  assert.match(await t.read("/etc/sysctl.conf"), /= {2}60$/);
  assert.equal((await t.runtime()).time, 60);
  await restoreKeepalive(options);
  assert.equal(await t.read("/etc/sysctl.conf"), ORIGINAL);
  assert.equal((await t.runtime()).time, 7200);
});

Deno.test("a process killed at any step of a write leaves the old file or the new one, never a mix", async () => {
  await using t = await tempRoot();
  const path = join(t.root, "etc/sysctl.conf");
  const module = new URL("../sysctl/atomic_write.ts", import.meta.url).href;
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

Deno.test("the library refuses an out-of-range value before writing anything, the lock included", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", ORIGINAL);
  const options = { root: t.root, procDir: t.proc };
  const refused = (error: Error) =>
    error instanceof RangeError &&
    error.message ===
      'Invalid net.ipv4.tcp_keepalive_intvl "0": expected an integer from 1 to 32767 seconds';
  await assert.rejects(
    () => applyKeepalive({ time: 60, intvl: 0 }, options),
    refused,
  );
  await assert.rejects(() => planChanges({ intvl: 0 }, options), refused);
  await assert.rejects(
    () => applyKeepalive({ probes: 1.5 }, options),
    /Invalid net\.ipv4\.tcp_keepalive_probes "1\.5": expected an integer from 1 to 127 probes/,
  );
  assert.equal(await t.read("/etc/sysctl.conf"), ORIGINAL);
  assert.deepEqual(await entries(t.root), ["etc"]);
  assert.deepEqual(await t.runtime(), { time: 7200, intvl: 75, probes: 9 });
});

Deno.test("diff reports a keepalive line whose value is not an integer as file:line and leaves it alone", async () => {
  await using t = await tempRoot();
  const text = `${TIME} = 600 # ten minutes\n`;
  await t.write("/etc/sysctl.d/60-keepalive.conf", text);
  const changes = await planChanges({ time: 60 }, {
    root: t.root,
    procDir: t.proc,
    file: "/etc/sysctl.d/60-keepalive.conf",
    scope: "file",
  });
  assert.ok(changes.after.startsWith(text), changes.after);
  assert.ok(
    changes.warnings.includes(
      `/etc/sysctl.d/60-keepalive.conf:1: the kernel refuses "600 # ten minutes" for ${TIME} (a comment must be on a line of its own); left untouched and not counted as setting it`,
    ),
    changes.warnings.join("\n"),
  );
});

Deno.test("the systemd warning about /etc/sysctl.conf also holds when that file is itself a link", async () => {
  await using t = await tempRoot();
  await t.write("/etc/static/sysctl.conf", `${TIME} = 600\n`);
  await t.link("static/sysctl.conf", "/etc/sysctl.conf");
  const options = { root: t.root, procDir: t.proc, scope: "file" as const };
  const changes = await planChanges({ time: 60 }, options);
  assert.equal(changes.realPath, "/etc/static/sysctl.conf");
  assert.ok(
    changes.warnings.some((w) =>
      w.startsWith("systemd-sysctl does not read /etc/sysctl.conf, and no ")
    ),
    changes.warnings.join("\n"),
  );
  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  const linked = await planChanges({ time: 60 }, options);
  assert.ok(
    !linked.warnings.some((w) => /does not (read|load)/.test(w)),
    linked.warnings.join("\n"),
  );
});

Deno.test("diff warns when a loader would still not boot with the value written", async () => {
  await using t = await tempRoot();
  const file = "/etc/sysctl.d/60-keepalive.conf";
  await t.write(file, `${TIME} = 600\n${TIME} = soon\n`);
  const changes = await planChanges({ time: 60 }, {
    root: t.root,
    procDir: t.proc,
    file,
    scope: "file",
  });
  assert.equal(changes.after, `${TIME} = 60\n${TIME} = soon\n`);
  assert.ok(
    changes.warnings.includes(
      `under systemd ${TIME} is not set at boot (the kernel default 7200 stays): a later "-${TIME}" or a value the kernel refuses replaces the assignment in ${file}`,
    ),
    changes.warnings.join("\n"),
  );
  assert.ok(!changes.warnings.some((w) => w.startsWith("under procps")));
});

Deno.test("apply through a chain of relative links writes the last file and leaves every link a link", async () => {
  await using t = await tempRoot();
  await t.write("/srv/b/real.conf", `# keep\n${TIME} = 900\n`);
  await t.link("../b/real.conf", "/srv/a/mid.conf");
  await t.link("../../srv/a/mid.conf", "/etc/sysctl.d/60-keepalive.conf");
  const file = "/etc/sysctl.d/60-keepalive.conf";
  const options = {
    root: t.root,
    procDir: t.proc,
    file,
    scope: "file" as const,
  };
  const changes = await applyKeepalive({ time: 45 }, options);
  assert.equal(changes.realPath, "/srv/b/real.conf");
  assert.equal(
    await Deno.readLink(join(t.root, "etc/sysctl.d/60-keepalive.conf")),
    "../../srv/a/mid.conf",
  );
  assert.equal(
    await Deno.readLink(join(t.root, "srv/a/mid.conf")),
    "../b/real.conf",
  );
  assert.equal(await t.read("/srv/b/real.conf"), `# keep\n${TIME} = 45\n`);
  assert.deepEqual(await entries(join(t.root, "srv/b")), ["real.conf"]);
  await restoreKeepalive(options);
  assert.equal(await t.read("/srv/b/real.conf"), `# keep\n${TIME} = 900\n`);
  assert.ok((await Deno.lstat(join(t.root, "srv/a/mid.conf"))).isSymlink);
});
