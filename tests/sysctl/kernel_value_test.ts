import assert from "node:assert/strict";
import { kernelRange, parseKernelWrite } from "../../sysctl/mod.ts";

function kept(field: "time" | "intvl" | "probes", value: string, hz = 250) {
  const write = parseKernelWrite(field, value, { hz });
  return write.accepted ? write.value : undefined;
}

Deno.test("parseKernelWrite() reads numbers as the kernel does: octal, hexadecimal, and only the first number", () => {
  assert.equal(kept("time", "600"), 600);
  assert.equal(kept("time", "0600"), 384);
  assert.equal(kept("time", "0x3c"), 60);
  assert.equal(kept("time", "0X1F"), 31);
  assert.equal(kept("time", "600 # ten minutes"), 600);
  assert.equal(kept("time", "600 700"), 600);
  assert.equal(kept("time", "600\t\t"), 600);
  assert.deepEqual(parseKernelWrite("time", "600 # default"), {
    accepted: true,
    value: 600,
    ignored: "# default",
  });
});

Deno.test("parseKernelWrite() refuses what the kernel refuses", () => {
  for (
    const value of [
      "+600",
      "600#x",
      "600;x",
      "600,5",
      "08",
      "0x",
      "soon",
      "1e3",
      "600.0",
      "",
      "   ",
      "- 5",
      "600\v",
      "600\f",
      "600\xc2\xa0",
      "\xc2\xa0600",
      "000000000000000000600",
    ]
  ) {
    assert.equal(kept("time", value), undefined, JSON.stringify(value));
  }
});

Deno.test("parseKernelWrite() skips the white space the kernel skips before a number", () => {
  // The kernel's isspace() has \v, \f and the Latin-1 no-break space 0xa0;
  // UTF-8's no-break space starts with 0xc2, which is not a space.
  assert.equal(kept("time", "\v600"), 600);
  assert.equal(kept("time", "\f600"), 600);
  assert.equal(kept("time", "\xa0600"), 600);
  assert.equal(kept("time", "600\xa0"), undefined);
});

Deno.test("parseKernelWrite() keeps each setting within the kernel's range at its HZ", () => {
  assert.equal(kept("time", "-1"), -1);
  assert.equal(kept("time", "0"), 0);
  assert.equal(kept("time", "8589934", 250), 8589934);
  assert.equal(kept("time", "8589935", 250), undefined);
  assert.equal(kept("time", "2147484", 1000), undefined);
  assert.equal(kept("intvl", "3000000000", 100), undefined);
  assert.equal(kept("intvl", "4294967296", 100), undefined);
  assert.equal(kept("probes", "0"), 0);
  assert.equal(kept("probes", "255"), 255);
  assert.equal(kept("probes", "0377"), 255);
  assert.equal(kept("probes", "256"), undefined);
  assert.equal(kept("probes", "-1"), undefined);
  assert.equal(kept("probes", "-0"), undefined);
  assert.deepEqual(kernelRange("time"), { min: -2147483, max: 2147483 });
  // Before Linux 5.13 the probe count was an int.
  assert.deepEqual(kernelRange("probes", { release: "5.10.0-28-amd64" }), {
    min: -2147483648,
    max: 2147483647,
  });
  assert.equal(
    parseKernelWrite("probes", "256", { release: "5.10.0" }).accepted,
    true,
  );
});
