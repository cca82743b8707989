import assert from "node:assert/strict";
import {
  detectionSeconds,
  KERNEL_DEFAULTS,
  validateKeepalive,
} from "../../sysctl/mod.ts";

Deno.test("the kernel defaults take 2 h 11 min 15 s to notice a dead peer", () => {
  assert.equal(detectionSeconds(KERNEL_DEFAULTS), 7200 + 9 * 75);
});

Deno.test("validateKeepalive() accepts integers in range and parses strings", () => {
  assert.deepEqual(
    validateKeepalive({ time: "1", intvl: 32767, probes: "127" }),
    { time: 1, intvl: 32767, probes: 127 },
  );
  assert.deepEqual(validateKeepalive({ probes: 3 }), { probes: 3 });
});

Deno.test("validateKeepalive() refuses bad values naming the key, the value and the range", () => {
  const cases: [Record<string, number | string>, RegExp][] = [
    [{ time: 0 }, /net\.ipv4\.tcp_keepalive_time "0".*1 to 32767 seconds/],
    [{ time: -5 }, /tcp_keepalive_time "-5"/],
    [{ intvl: "32768" }, /net\.ipv4\.tcp_keepalive_intvl "32768".*1 to 32767/],
    [{ intvl: "1.5" }, /tcp_keepalive_intvl "1\.5"/],
    [{ probes: 128 }, /net\.ipv4\.tcp_keepalive_probes "128".*1 to 127 probes/],
    [{ probes: "nine" }, /tcp_keepalive_probes "nine"/],
  ];
  for (const [values, message] of cases) {
    assert.throws(() => validateKeepalive(values), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, message);
      return true;
    });
  }
});
