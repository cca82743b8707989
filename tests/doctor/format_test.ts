import assert from "node:assert/strict";
import { diagnose } from "../../doctor/_diagnose.ts";
import { formatDoctorReport } from "../../doctor/_format.ts";
import { serverPolicy } from "../../doctor/_policy.ts";
import { hostKernel, input, path } from "./_helpers.ts";

Deno.test("formatDoctorReport() prints the setup, a table per failure mode, then findings and fixes", () => {
  const text = formatDoctorReport(diagnose(input({
    policy: serverPolicy(400_000, 1_200_000, { source: "flags" }),
    path: path("aws-nlb"),
  })));
  const lines = text.split("\n");
  assert.equal(lines[0], "Lifeline doctor: 2 findings");
  assert.match(
    text,
    /^Server {6}interval 6min 40s, timeout 20min, tick 1s, a ping allowed every 3min 20s \(flags\)$/m,
  );
  assert.match(
    text,
    /^Path {8}aws-nlb: AWS Network Load Balancer, TCP listener, idle 5min 50s, a late packet is answered with RST$/m,
  );
  for (
    const title of [
      "Peer process killed",
      "Peer host vanished",
      "NAT/LB mapping expired",
      "Peer process frozen",
    ]
  ) {
    assert.equal(lines.filter((l) => l.startsWith(title)).length, 1, title);
  }
  assert.match(
    text,
    /^ {2}heartbeat 6min 40s, timeout 20min {2}20min 1s {2}← first$/m,
  );
  assert.match(
    text,
    /^ {2}mechanism {26}sends every {2}keeps the path alive {2}noticed within$/m,
  );
  assert.match(
    text,
    /^ {2}heartbeat 6min 40s, timeout 20min {2}6min 40s {5}no {20}14min 11s {2}← first$/m,
  );
  assert.match(text, /^Findings\n {2}1\. The heartbeat pings every 6min 40s/m);
  assert.match(
    text,
    /^ {5}fix: deno task server --interval 2m55s --timeout 8m45s$/m,
  );
});

Deno.test("formatDoctorReport() says when nothing is found and when a namespace is not the host's", () => {
  const text = formatDoctorReport(diagnose(input({
    kernel: hostKernel({ time: 60, intvl: 20, probes: 3 }, {
      namespace: { id: "net:[4026532301]", initial: false },
      host: {
        values: { time: 60, intvl: 20, probes: 3 },
        namespace: "net:[4026531833]",
        via: "pid 42 (bash)",
      },
    }),
  })));
  assert.match(text, /^Lifeline doctor: no findings$/m);
  assert.match(
    text,
    /network namespace net:\[4026532301\] \(not the host's\)$/m,
  );
  assert.match(
    text,
    /^ {12}the host: 60\/20\/3 \(net:\[4026531833\], through pid 42 \(bash\)\)$/m,
  );
  assert.match(text, /^Path {8}no middlebox given \(--path\)$/m);
  assert.doesNotMatch(text, /^Findings$/m);
});
