import assert from "node:assert/strict";
import { packIpv4, unpackIpv4 } from "../../../transport/node/_ipv4.ts";

Deno.test("packIpv4 and unpackIpv4 round-trip every kind of IPv4 address", () => {
  for (
    const address of [
      "0.0.0.0",
      "127.0.0.1",
      "127.0.0.8",
      "10.250.1.2",
      "192.168.255.1",
      "128.0.0.0",
      "255.255.255.255",
    ]
  ) {
    const packed = packIpv4(address);
    assert.ok(packed !== undefined, address);
    // A signed 32-bit integer: what V8 keeps inside an object.
    assert.equal(packed, packed | 0, address);
    assert.equal(unpackIpv4(packed), address);
  }
});

Deno.test("packIpv4 leaves anything but plain dotted IPv4 to be kept as text", () => {
  for (
    const address of [
      "::1",
      "::ffff:127.0.0.1",
      "fe80::1%eth0",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.4 ",
      "",
    ]
  ) {
    assert.equal(packIpv4(address), undefined, address);
  }
});
