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
