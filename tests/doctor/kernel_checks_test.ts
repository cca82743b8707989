import assert from "node:assert/strict";
import { kernelChecks } from "../../doctor/_kernel_checks.ts";
import { DEFAULTS, hostKernel, input } from "./_helpers.ts";

const ids = (out: ReturnType<typeof kernelChecks>) => ({
  findings: out.findings.map((f) => f.id),
  notes: out.notes.map((n) => n.id),
});
const tuned = { time: 60, intvl: 20, probes: 3 };
const pod = { id: "net:[4026532301]", initial: false };

Deno.test("a namespace whose values differ from the host's is a finding, with the host's values as the fix", () => {
  const out = kernelChecks(input({
    kernel: hostKernel(DEFAULTS, {
      namespace: pod,
      host: { values: tuned, namespace: "net:[4026531833]", via: "pid 1" },
    }),
  }));
  assert.deepEqual(ids(out), {
    findings: ["namespace_differs"],
    notes: ["boot_not_here"],
  });
  assert.match(
    out.findings[0].message,
    /^net:\[4026532301\] is not the host's: it runs keepalive 7200\/75\/9, the host 60\/20\/3 \(read in net:\[4026531833\] through pid 1\)/,
  );
  assert.equal(
    out.findings[0].fixes[0],
    "inside it: sudo deno task sysctl apply --runtime-only --time 60 --intvl 20 --probes 3",
  );
});

Deno.test("a namespace with the host's values is a note", () => {
  const out = kernelChecks(input({
    kernel: hostKernel(tuned, {
      namespace: pod,
      host: { values: tuned, namespace: "net:[4026531833]", via: "pid 1" },
    }),
  }));
  assert.deepEqual(ids(out).findings, []);
  assert.deepEqual(ids(out).notes, ["namespace_same_as_host", "boot_not_here"]);
});

Deno.test("a namespace on the defaults whose host cannot be read is a finding that says why", () => {
  const out = kernelChecks(input({
    kernel: hostKernel(DEFAULTS, {
      namespace: pod,
      host: { error: "no process of another network namespace is visible" },
    }),
  }));
  assert.deepEqual(ids(out).findings, ["namespace_defaults"]);
  assert.match(
    out.findings[0].message,
    /still has the kernel defaults 7200\/75\/9/,
  );
  assert.match(out.findings[0].message, /cannot be read from here: no process/);
  // Tuned values in a namespace whose host is unknown: only a note.
  const tunedPod = kernelChecks(input({
    kernel: hostKernel(tuned, { namespace: pod, host: { error: "x" } }),
  }));
  assert.deepEqual(ids(tunedPod), {
    findings: [],
    notes: ["host_unknown", "boot_not_here"],
  });
});

Deno.test("boot values that differ from the runtime are a finding on the host", () => {
  const out = kernelChecks(input({
    kernel: hostKernel(tuned, {
      boot: { procps: tuned, systemd: DEFAULTS },
    }),
  }));
  assert.deepEqual(ids(out).findings, ["boot_differs"]);
  assert.match(
    out.findings[0].message,
    /^The kernel runs keepalive 60\/20\/3, but at boot systemd-sysctl would set 7200\/75\/9: a reboot changes/,
  );
  assert.equal(
    out.findings[0].fixes[1],
    "sudo deno task sysctl apply --time 60 --intvl 20 --probes 3 --file /etc/sysctl.d/60-keepalive.conf   # keep the running values",
  );
  assert.deepEqual(ids(kernelChecks(input())), { findings: [], notes: [] });
});

Deno.test("values that could not be read are notes, and the defaults are assumed", () => {
  const out = kernelChecks(input({
    kernel: {
      runtimeError: "No such file",
      retries2: 15,
      retries2Read: false,
      namespace: {},
    },
  }));
  assert.deepEqual(ids(out), {
    findings: [],
    notes: ["runtime_unknown", "retries2_unknown"],
  });
});
