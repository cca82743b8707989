import assert from "node:assert/strict";
import {
  HOME_BASE,
  PortBook,
  PORTS_END,
  splitPorts,
} from "../../bench/_load_ports.ts";

Deno.test("splitPorts() gives every client a home port of its own and each process a reserve share below the ephemeral range", () => {
  const shares = splitPorts(100_000, 8, 7)!;
  assert.equal(shares.length, 7);
  const home = new Set<string>();
  const book = new PortBook(shares[0], 8);
  for (let id = 0; id < 100_000; id++) {
    const key = `${id % 8}:${book.home(id)}`;
    assert.ok(!home.has(key), key);
    home.add(key);
  }
  const lastHome = book.home(99_999);
  assert.ok(shares[0].reserveFrom > lastHome);
  for (let k = 1; k < shares.length; k++) {
    assert.equal(shares[k].reserveFrom, shares[k - 1].reserveTo);
  }
  assert.ok(shares[6].reserveTo <= PORTS_END);
  assert.equal(shares[0].base, HOME_BASE);
});

Deno.test("splitPorts() leaves the ports to the kernel when the home ports alone do not fit", () => {
  assert.equal(splitPorts(200_000, 1, 2), null);
});

Deno.test("PortBook.spare() hands out a source's reserve ports in turn and starts over after the last", () => {
  const book = new PortBook({
    base: 10_000,
    reserveFrom: 20_000,
    reserveTo: 20_003,
  }, 2);
  assert.deepEqual([0, 2, 4, 6].map((id) => book.spare(id)), [
    20_000,
    20_001,
    20_002,
    20_000,
  ]);
  // Another source has a cursor of its own.
  assert.equal(book.spare(1), 20_000);
});
