import assert from "node:assert/strict";
import { listBootFiles, readBootConfig } from "../../sysctl/mod.ts";
import { tempRoot, TIME } from "./_helpers.ts";

Deno.test("both loaders sort drop-ins by file name across directories; only procps reads /etc/sysctl.conf, last", async () => {
  // /lib is a directory here, not a link to /usr/lib: Debian's systemd 252
  // (built with split /usr) reads /lib/sysctl.d too.
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", `${TIME} = 111\n`);
  await t.write("/usr/lib/sysctl.d/50-default.conf", `${TIME} = 222\n`);
  await t.write("/etc/sysctl.d/70-local.conf", `${TIME} = 333\n`);
  await t.write("/run/sysctl.d/60-run.conf", `${TIME} = 444\n`);
  await t.write("/lib/sysctl.d/80-lib.conf", `${TIME} = 555\n`);
  await t.write("/usr/local/lib/sysctl.d/10-x.conf.disabled", `${TIME} = 9\n`);

  const procps = await readBootConfig("procps", { root: t.root });
  assert.deepEqual(procps.files.map((f) => f.path), [
    "/usr/lib/sysctl.d/50-default.conf",
    "/run/sysctl.d/60-run.conf",
    "/etc/sysctl.d/70-local.conf",
    "/lib/sysctl.d/80-lib.conf",
    "/etc/sysctl.conf",
  ]);
  assert.equal(procps.settings.time?.value, "111");
  assert.equal(procps.settings.time?.path, "/etc/sysctl.conf");

  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.deepEqual(systemd.files.map((f) => f.path), [
    "/usr/lib/sysctl.d/50-default.conf",
    "/run/sysctl.d/60-run.conf",
    "/etc/sysctl.d/70-local.conf",
    "/lib/sysctl.d/80-lib.conf",
  ]);
  assert.equal(systemd.settings.time?.value, "555");
  assert.equal(systemd.settings.time?.line, 1);
  assert.equal(systemd.settings.intvl, undefined);
});

Deno.test("a file name in an earlier directory shadows the same name in later ones", async () => {
  await using t = await tempRoot();
  await t.write("/usr/lib/sysctl.d/50-keepalive.conf", `${TIME} = 100\n`);
  await t.write("/etc/sysctl.d/50-keepalive.conf", `# no keepalive here\n`);
  for (const loader of ["procps", "systemd"] as const) {
    const report = await readBootConfig(loader, { root: t.root });
    assert.deepEqual(report.files.map((f) => f.path), [
      "/etc/sysctl.d/50-keepalive.conf",
    ]);
    assert.deepEqual(report.files[0].shadows, [
      "/usr/lib/sysctl.d/50-keepalive.conf",
    ]);
    assert.equal(report.settings.time, undefined, loader);
  }
});

Deno.test("the Debian 99-sysctl.conf link makes systemd load /etc/sysctl.conf and procps apply it twice", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.conf", `${TIME} = 600\n`);
  await t.write("/etc/sysctl.d/99-zz-late.conf", `${TIME} = 700\n`);
  const before = await readBootConfig("systemd", { root: t.root });
  assert.equal(before.settings.time?.value, "700");
  assert.ok(!before.files.some((f) => f.realPath === "/etc/sysctl.conf"));

  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.deepEqual(systemd.files.map((f) => [f.path, f.realPath]), [
    ["/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf"],
    ["/etc/sysctl.d/99-zz-late.conf", "/etc/sysctl.d/99-zz-late.conf"],
  ]);
  assert.equal(systemd.settings.time?.value, "700");
  const procps = await readBootConfig("procps", { root: t.root });
  assert.deepEqual(procps.files.map((f) => f.path), [
    "/etc/sysctl.d/99-sysctl.conf",
    "/etc/sysctl.d/99-zz-late.conf",
    "/etc/sysctl.conf",
  ]);
  assert.equal(procps.settings.time?.value, "600");
  assert.equal(procps.settings.time?.path, "/etc/sysctl.conf");
});

Deno.test("a link to /dev/null masks a vendor file under both loaders", async () => {
  await using t = await tempRoot();
  await t.write("/usr/lib/sysctl.d/50-vendor.conf", `${TIME} = 100\n`);
  await t.link("/dev/null", "/etc/sysctl.d/50-vendor.conf");
  for (const loader of ["procps", "systemd"] as const) {
    const files = await listBootFiles(loader, { root: t.root });
    assert.deepEqual(files.map((f) => [f.path, f.masked]), [
      ["/etc/sysctl.d/50-vendor.conf", true],
    ]);
    const report = await readBootConfig(loader, { root: t.root });
    assert.equal(report.settings.time, undefined, loader);
  }
});

Deno.test("a glob key sets a keepalive key unless an explicit assignment exists anywhere", async () => {
  await using t = await tempRoot();
  await t.write(
    "/etc/sysctl.d/10-glob.conf",
    "net.ipv4.tcp_keepalive_* = 100\n",
  );
  await t.write(
    "/etc/sysctl.d/90-other.conf",
    "net.ipv4.tcp_keepalive_probes = 4\nnet.ipv4.tcp_keep?live_intvl = 7\n",
  );
  await t.write("/etc/sysctl.d/05-early.conf", `${TIME} = 50\n`);
  for (const loader of ["procps", "systemd"] as const) {
    const report = await readBootConfig(loader, { root: t.root });
    assert.equal(report.settings.time?.value, "50", loader);
    assert.equal(report.settings.probes?.value, "4", loader);
    assert.equal(report.settings.intvl?.value, "7", loader);
    assert.equal(report.settings.intvl?.glob, "net.ipv4.tcp_keep?live_intvl");
  }
});

Deno.test("values the kernel refuses and malformed lines are reported as file:line", async () => {
  await using t = await tempRoot();
  await t.write(
    "/etc/sysctl.d/60-bad.conf",
    `${TIME} = 30\n${TIME} = soon\nnot a setting\n`,
  );
  // procps writes 30, then fails on "soon": 30 stays.
  const procps = await readBootConfig("procps", { root: t.root });
  assert.equal(procps.settings.time?.value, "30");
  // systemd keeps only the last assignment, "soon", which fails: the
  // kernel default stays.
  const report = await readBootConfig("systemd", { root: t.root });
  assert.equal(report.settings.time, undefined);
  assert.deepEqual(report.issues, [
    `/etc/sysctl.d/60-bad.conf:3: expected "key = value", found "not a setting"`,
    `/etc/sysctl.d/60-bad.conf:2: the kernel refuses "soon" for ${TIME}`,
  ]);
});

Deno.test("a dangling link is reported and read by neither loader", async () => {
  await using t = await tempRoot();
  await t.link("/srv/gone.conf", "/etc/sysctl.d/40-gone.conf");
  const report = await readBootConfig("procps", { root: t.root });
  assert.deepEqual(report.issues, [
    "/etc/sysctl.d/40-gone.conf: a dangling link to /srv/gone.conf: procps fails to open it, systemd skips it",
  ]);
  assert.equal(report.settings.time, undefined);
});

Deno.test("a later -key without a value unsets the key under systemd; procps ignores it", async () => {
  await using t = await tempRoot();
  await t.write("/usr/lib/sysctl.d/50-vendor.conf", `${TIME} = 100\n`);
  await t.write("/etc/sysctl.d/90-local.conf", `-${TIME}\n`);
  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.equal(systemd.settings.time, undefined);
  const procps = await readBootConfig("procps", { root: t.root });
  assert.equal(procps.settings.time?.value, "100");
  // An assignment after the exclusion sets the key again.
  await t.write("/etc/sysctl.d/95-later.conf", `${TIME} = 300\n`);
  const again = await readBootConfig("systemd", { root: t.root });
  assert.equal(again.settings.time?.value, "300");
});

Deno.test("a hidden .conf file is read by procps and skipped by systemd", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.d/.60-hidden.conf", `${TIME} = 100\n`);
  const procps = await readBootConfig("procps", { root: t.root });
  assert.equal(procps.settings.time?.path, "/etc/sysctl.d/.60-hidden.conf");
  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.deepEqual(systemd.files, []);
  assert.equal(systemd.settings.time, undefined);
});

const INTVL = "net.ipv4.tcp_keepalive_intvl";
const PROBES = "net.ipv4.tcp_keepalive_probes";

async function bootTimes(root: string) {
  const value = async (loader: "procps" | "systemd") =>
    (await readBootConfig(loader, { root, kernel: { hz: 250 } })).settings
      .time?.kernelValue;
  return { procps: await value("procps"), systemd: await value("systemd") };
}

Deno.test("values are read as the kernel reads them: octal, hexadecimal, trailing text, limits", async (t) => {
  const cases: [string, number | undefined][] = [
    ["0600", 384],
    ["0x3c", 60],
    ["600 # ten minutes", 600],
    ["600 700", 600],
    ["+600", undefined],
    ["8589935", undefined], // above INT_MAX / HZ at HZ 250
    ["3000000000", undefined],
    ["600\v", undefined], // systemd writes the \v; procps strips it, see below
  ];
  for (const [value, expected] of cases) {
    await t.step(JSON.stringify(value), async () => {
      await using r = await tempRoot();
      await r.write("/etc/sysctl.d/50-a.conf", `${TIME} = ${value}\n`);
      assert.equal((await bootTimes(r.root)).systemd, expected);
    });
  }
  await t.step("procps strips \\v and \\f, systemd does not", async () => {
    await using r = await tempRoot();
    await r.write("/etc/sysctl.d/50-a.conf", `${TIME} = 30\n${TIME} = 600\v\n`);
    assert.deepEqual(await bootTimes(r.root), {
      procps: 600,
      systemd: undefined,
    });
  });
  await t.step(
    "a refused value keeps the earlier one under procps only",
    async () => {
      await using r = await tempRoot();
      await r.write(
        "/etc/sysctl.d/50-a.conf",
        `${TIME} = 30\n${PROBES} = 9\n${PROBES} = 256\n`,
      );
      const procps = await readBootConfig("procps", { root: r.root });
      const systemd = await readBootConfig("systemd", { root: r.root });
      assert.equal(procps.settings.probes?.kernelValue, 9);
      assert.equal(systemd.settings.probes, undefined);
      assert.ok(
        systemd.issues.includes(
          `/etc/sysctl.d/50-a.conf:3: the kernel refuses "256" for ${PROBES} (out of range 0 to 255)`,
        ),
        systemd.issues.join("\n"),
      );
    },
  );
});

Deno.test("a NUL ends a line: procps drops the rest, systemd reads it as the next line", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.d/50-a.conf", `${TIME} = 600\0${TIME} = 700\n`);
  assert.deepEqual(await bootTimes(t.root), { procps: 600, systemd: 700 });
});

Deno.test("a lone CR ends a line for systemd; procps reads it as part of the value", async () => {
  await using t = await tempRoot();
  await t.write(
    "/etc/sysctl.d/50-a.conf",
    `${TIME} = 30\n${TIME} = 600\r${INTVL} = 10\n`,
  );
  assert.deepEqual(await bootTimes(t.root), { procps: 30, systemd: 600 });
  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.equal(systemd.settings.intvl?.kernelValue, 10);
  assert.equal(systemd.settings.intvl?.line, 2);
});

Deno.test("keys are read as each loader reads them", async (t) => {
  const cases: [string, number | undefined, number | undefined][] = [
    ["net.ipv4..tcp_keepalive_time", 600, 600],
    ["net/ipv4//tcp_keepalive_time", 600, 600],
    ["/net/ipv4/tcp_keepalive_time", 600, 600],
    [".net.ipv4.tcp_keepalive_time", 600, 600],
    ["net.ipv4.tcp_keepalive_time.", undefined, 600], // procps: ENOTDIR
    ["- net.ipv4.tcp_keepalive_time", undefined, 600], // procps: " net/…"
    ["--net.ipv4.tcp_keepalive_time", 600, undefined],
    ["NET.ipv4.tcp_keepalive_time", undefined, undefined],
    ["net.ipv4.tcp_keepalive_time\v", 600, undefined],
  ];
  for (const [key, procps, systemd] of cases) {
    await t.step(JSON.stringify(key), async () => {
      await using r = await tempRoot();
      await r.write("/etc/sysctl.d/50-a.conf", `${key} = 600\n`);
      assert.deepEqual(await bootTimes(r.root), { procps, systemd });
    });
  }
});

Deno.test("an empty value replaces an earlier one under systemd and blocks a glob under both", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.d/10-a.conf", `${TIME} = 600\n`);
  await t.write("/etc/sysctl.d/20-b.conf", `net.ipv4.tcp_keepalive_* = 60\n`);
  await t.write("/etc/sysctl.d/30-c.conf", `${TIME} =\n${INTVL} =\n`);
  const procps = await readBootConfig("procps", { root: t.root });
  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.equal(procps.settings.time?.kernelValue, 600);
  assert.equal(systemd.settings.time, undefined);
  assert.equal(procps.settings.intvl, undefined);
  assert.equal(systemd.settings.intvl, undefined);
  assert.equal(systemd.settings.probes?.kernelValue, 60);
});

Deno.test("a glob set again to the same value keeps its earlier place under systemd", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.d/10-a.conf", `net.ipv4.tcp_keepalive_* = 30\n`);
  await t.write(
    "/etc/sysctl.d/20-b.conf",
    `net.ipv4.tcp_keepalive_[tp]* = 60\n`,
  );
  await t.write("/etc/sysctl.d/30-c.conf", `net.ipv4.tcp_keepalive_* = 30\n`);
  assert.deepEqual(await bootTimes(t.root), { procps: 30, systemd: 60 });
});

Deno.test("a glob set again with a value the kernel refuses leaves every key it matches unset under systemd", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.d/10-a.conf", `net.ipv4.tcp_keepalive_* = 60\n`);
  await t.write("/etc/sysctl.d/20-b.conf", `net.ipv4.tcp_keepalive_* = soon\n`);
  const procps = await readBootConfig("procps", { root: t.root });
  const systemd = await readBootConfig("systemd", { root: t.root });
  assert.equal(procps.settings.intvl?.kernelValue, 60);
  assert.deepEqual(systemd.settings, {
    time: undefined,
    intvl: undefined,
    probes: undefined,
  });
});

Deno.test("a directory or a symlink loop in sysctl.d shadows a vendor file and is read as nothing", async () => {
  await using t = await tempRoot();
  await t.write("/usr/lib/sysctl.d/50-vendor.conf", `${TIME} = 100\n`);
  await t.write("/usr/lib/sysctl.d/60-vendor.conf", `${INTVL} = 10\n`);
  await Deno.mkdir(`${t.root}/etc/sysctl.d/50-vendor.conf`);
  await t.link("60-vendor.conf", "/etc/sysctl.d/60-vendor.conf");
  for (const loader of ["procps", "systemd"] as const) {
    const report = await readBootConfig(loader, { root: t.root });
    assert.equal(report.settings.time, undefined, loader);
    assert.equal(report.settings.intvl, undefined, loader);
    assert.deepEqual(report.files.map((f) => [f.path, f.masked]), [
      ["/etc/sysctl.d/50-vendor.conf", true],
      ["/etc/sysctl.d/60-vendor.conf", true],
    ]);
    assert.deepEqual(report.issues, [
      "/etc/sysctl.d/50-vendor.conf: a directory: neither loader reads it",
      "/etc/sysctl.d/60-vendor.conf: a symlink loop: neither loader can open it",
    ]);
  }
});

Deno.test("procps does not read /etc/sysctl.conf when it is a link to /dev/null or a directory", async () => {
  await using t = await tempRoot();
  await t.link("/dev/null", "/etc/sysctl.conf");
  assert.deepEqual(
    (await listBootFiles("procps", { root: t.root })).map((f) => f.path),
    [],
  );
  await Deno.remove(`${t.root}/etc/sysctl.conf`);
  await Deno.mkdir(`${t.root}/etc/sysctl.conf`);
  assert.deepEqual(await listBootFiles("procps", { root: t.root }), []);
});
