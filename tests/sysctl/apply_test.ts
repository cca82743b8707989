import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ApplyError,
  applyKeepalive,
  planChanges,
  readApplyRecord,
  restoreKeepalive,
} from "../../sysctl/mod.ts";
import { entries, ORIGINAL, tempRoot, TIME } from "./_helpers.ts";

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

Deno.test("a root that does not exist is refused before anything is created under it", async () => {
  await using t = await tempRoot();
  const root = join(t.root, "no", "such", "root");
  for (
    const run of [
      () => applyKeepalive({ time: 60 }, { root, scope: "file" }),
      () => restoreKeepalive({ root, scope: "file" }),
      () => planChanges({ time: 60 }, { root, scope: "file" }),
    ]
  ) {
    await assert.rejects(
      run,
      /^Error: Cannot use root ".*\/no\/such\/root": it does not exist$/,
    );
  }
  await assert.rejects(
    () => Deno.stat(join(t.root, "no")),
    Deno.errors.NotFound,
  );
});
