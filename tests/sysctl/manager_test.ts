import assert from "node:assert/strict";
import {
  applyKeepalive,
  inspectKeepalive,
  planChanges,
} from "../../sysctl/mod.ts";
import { tempRoot, TIME } from "./_helpers.ts";

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

Deno.test("diff reports a keepalive line whose value is not an integer as file:line and leaves it alone", async () => {
  await using t = await tempRoot();
  // The kernel reads "600 # ten minutes" as 600, but "30#x" not at all; a
  // line of a key that is not managed stays as it is.
  const intvl = "net.ipv4.tcp_keepalive_intvl";
  const text = `${intvl} = 30#x\n`;
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
      `/etc/sysctl.d/60-keepalive.conf:1: the kernel refuses "30#x" for ${intvl}: procps keeps the value set before this line, systemd leaves ${intvl} at the kernel default`,
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
  await t.write(file, `${TIME} = 600\n`);
  // A later file names the key without a value: systemd drops the setting.
  await t.write("/etc/sysctl.d/90-local.conf", `-${TIME}\n`);
  const changes = await planChanges({ time: 60 }, {
    root: t.root,
    procDir: t.proc,
    file,
    scope: "file",
  });
  assert.equal(changes.after, `${TIME} = 60\n`);
  assert.ok(
    changes.warnings.includes(
      `under systemd ${TIME} is not set at boot (the kernel default 7200 stays): a later "-${TIME}" or a value the kernel refuses replaces the assignment in ${file}`,
    ),
    changes.warnings.join("\n"),
  );
  assert.ok(!changes.warnings.some((w) => w.startsWith("under procps")));
});

Deno.test("show reports a masked or directory /etc/sysctl.conf as a warning instead of failing", async () => {
  await using t = await tempRoot();
  await t.write("/etc/sysctl.d/60-keepalive.conf", `${TIME} = 600\n`);
  await t.link("/dev/null", "/etc/sysctl.conf");
  const masked = await inspectKeepalive({ root: t.root, procDir: t.proc });
  assert.equal(masked.boot.procps.effective.time, 600);
  assert.ok(
    masked.warnings.includes(
      'Cannot manage "/etc/sysctl.conf": it is masked (a link to /dev/null)',
    ),
    masked.warnings.join("\n"),
  );
  await Deno.remove(`${t.root}/etc/sysctl.conf`);
  await Deno.mkdir(`${t.root}/etc/sysctl.conf`);
  const directory = await inspectKeepalive({ root: t.root, procDir: t.proc });
  assert.ok(
    directory.warnings.includes(
      'Cannot manage "/etc/sysctl.conf": it is a directory',
    ),
  );
  await assert.rejects(
    () => planChanges({ time: 60 }, { root: t.root, scope: "file" }),
    /Cannot manage "\/etc\/sysctl.conf": it is a directory/,
  );
});

Deno.test("show and apply go past a symlink loop in a sysctl.d directory, as the loaders do", async () => {
  await using t = await tempRoot();
  await t.link("40-loop.conf", "/etc/sysctl.d/40-loop.conf");
  await t.write("/etc/sysctl.d/50-a.conf", `${TIME} = 600\n`);
  const report = await inspectKeepalive({ root: t.root, procDir: t.proc });
  assert.equal(report.boot.systemd.effective.time, 600);
  assert.ok(
    report.warnings.includes(
      "/etc/sysctl.d/40-loop.conf: a symlink loop: neither loader can open it",
    ),
    report.warnings.join("\n"),
  );
  const changes = await applyKeepalive({ time: 60 }, {
    root: t.root,
    file: "/etc/sysctl.d/50-a.conf",
    scope: "file",
  });
  assert.equal(changes.after, `${TIME} = 60\n`);
});

Deno.test("diff warns about a line the kernel reads unlike it looks, and one only a loader reads", async () => {
  await using t = await tempRoot();
  const file = "/etc/sysctl.d/60-keepalive.conf";
  const intvl = "net.ipv4.tcp_keepalive_intvl";
  const probes = "net.ipv4.tcp_keepalive_probes";
  await t.write(
    file,
    `${TIME} = 0600\n${intvl} = 30 # half a minute\n${probes} = 5\v\n- ${TIME} = 1\n`,
  );
  const changes = await planChanges({ time: 60 }, {
    root: t.root,
    procDir: t.proc,
    file,
    scope: "file",
  });
  for (
    const warning of [
      `${file}:1: the kernel reads "0600" for ${TIME} as 384 (a leading 0 means octal, 0x hexadecimal)`,
      `${file}:2: the kernel reads ${intvl} = 30 from "30 # half a minute" and ignores "# half a minute"`,
      `${file}:3: under systemd the kernel refuses "5\\u000b" for ${probes}, while procps reads 5`,
      `${file}:4: only systemd reads this line as ${TIME}; procps reads its key as " ${TIME}", so write it plainly as ${TIME}`,
    ]
  ) {
    assert.ok(changes.warnings.includes(warning), changes.warnings.join("\n"));
  }
  // The last line either loader reads for the key is the one rewritten.
  assert.match(changes.after, new RegExp(`\\n-${TIME} = 60\\n$`));
});
