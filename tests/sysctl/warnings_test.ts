import assert from "node:assert/strict";
import { keepaliveWarnings, KERNEL_DEFAULTS } from "../../sysctl/mod.ts";

Deno.test("keepaliveWarnings() flags NAT-unsafe idle times, slow detection and namespaces on defaults", () => {
  const defaults = keepaliveWarnings(KERNEL_DEFAULTS, {
    where: "runtime",
    namespace: { id: "net:[1]", initial: false },
  });
  assert.equal(defaults.length, 3);
  assert.match(defaults[0], /above 300s.*NAT/);
  assert.match(defaults[1], /2h 11min 15s.*more than 15 minutes/);
  assert.match(defaults[2], /net:\[1\] is not the host's.*do not inherit/);
  assert.deepEqual(
    keepaliveWarnings(KERNEL_DEFAULTS, {
      namespace: { id: "net:[2]", initial: true },
    }).length,
    2,
  );
  assert.deepEqual(keepaliveWarnings({ time: 300, intvl: 60, probes: 10 }), []);
  assert.equal(
    keepaliveWarnings({ time: 300, intvl: 61, probes: 10 }).length,
    1,
  );
});

Deno.test("keepaliveWarnings() flags probes further apart than a NAT's idle time, and counts intvl in place of a shorter time", () => {
  // Idle 60 s, but after an answered probe the next one waits 600 s.
  const warnings = keepaliveWarnings({ time: 60, intvl: 600, probes: 3 });
  assert.equal(warnings.length, 2, JSON.stringify(warnings));
  assert.match(warnings[0], /tcp_keepalive_intvl is 600s, above 300s/);
  assert.match(
    warnings[1],
    /max\(time, intvl\) \+ probes × intvl = 600 \+ 3 × 600 = 2400s/,
  );
  assert.deepEqual(keepaliveWarnings({ time: 60, intvl: 20, probes: 3 }), []);
});
