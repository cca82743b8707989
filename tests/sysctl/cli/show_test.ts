import assert from "node:assert/strict";
import { cliIn, tempRoot, TIME } from "../_helpers.ts";

Deno.test("show prints runtime and boot values with file:line, the detection time and warnings", async () => {
  await using t = await tempRoot({ time: 7200, intvl: 75, probes: 9 });
  await t.write("/etc/sysctl.conf", `# site\n${TIME} = 600\n`);
  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  await t.write(
    "/usr/lib/sysctl.d/50-vendor.conf",
    "net.ipv4.tcp_keepalive_probes = 5\n",
  );
  const text = await cliIn(t, ["show"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /Network namespace: net:\[4026532000\] \(not the host's\)/,
  );
  assert.match(
    text.stdout,
    /boot, procps {4}600 {4}\/etc\/sysctl\.conf:2\n/,
  );
  assert.match(
    text.stdout,
    /boot, systemd {3}600 {4}\/etc\/sysctl\.d\/99-sysctl\.conf:2 \(\/etc\/sysctl\.conf\)/,
  );
  assert.match(
    text.stdout,
    /boot, procps {4}5 {6}\/usr\/lib\/sysctl\.d\/50-vendor\.conf:1/,
  );
  assert.match(text.stdout, /runtime {9}2h 11min 15s/);
  assert.match(text.stdout, /boot, procps {4}16min 15s/);
  assert.match(text.stdout, /not the host's and still has the kernel defaults/);

  const json = await cliIn(t, ["show", "--json"]);
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(report.runtime, { time: 7200, intvl: 75, probes: 9 });
  assert.equal(report.runtimeDetectionSeconds, 7875);
  assert.deepEqual(report.boot.systemd.effective, {
    time: 600,
    intvl: 75,
    probes: 5,
  });
  assert.equal(report.boot.procps.settings.time.line, 2);
  // A key no file sets is there as null: the kernel default applies.
  assert.ok("intvl" in report.boot.systemd.settings);
  assert.equal(report.boot.systemd.settings.intvl, null);
  assert.equal(report.boot.procps.detectionSeconds, 600 + 5 * 75);
  assert.equal(report.namespace.initial, false);
});

Deno.test("show reports each problem of the managed file once, even when procps reads it twice", async () => {
  await using t = await tempRoot();
  await t.write(
    "/etc/sysctl.conf",
    `${TIME} = 600 # ten minutes\nbroken line\n${TIME} = 300\n`,
  );
  await t.link("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
  const result = await cliIn(t, ["show"]);
  assert.equal(result.code, 0, result.stderr);
  const warnings = result.stdout.split("\n").filter((line) =>
    line.startsWith("  - /etc/sysctl")
  );
  assert.deepEqual(warnings, [
    `  - /etc/sysctl.conf:1: the kernel reads ${TIME} = 600 from "600 # ten minutes" and ignores "# ten minutes"`,
    `  - /etc/sysctl.conf:2: expected "key = value", found "broken line" (left untouched)`,
    `  - /etc/sysctl.conf: ${TIME} is set on lines 1, 3; the last (line 3) is effective`,
  ]);
});
