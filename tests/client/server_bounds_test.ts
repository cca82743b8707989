import assert from "node:assert/strict";
import { LifelineClient } from "../../client/mod.ts";
import {
  DEFAULT_SERVER_BOUNDS,
  resolveServerBounds,
  retryAfterOutOfBounds,
  welcomeOutOfBounds,
} from "../../client/_server_bounds.ts";

Deno.test("the client's server bounds default to 100 ms..1 h intervals, timeouts and retry hints up to 1 h, and 3 invalid lines", () => {
  assert.deepEqual(resolveServerBounds(), {
    minInterval: 100,
    maxInterval: 3_600_000,
    maxTimeout: 3_600_000,
    maxRetryAfter: 3_600_000,
    maxInvalidLines: 3,
  });
  const b = DEFAULT_SERVER_BOUNDS;
  assert.equal(
    welcomeOutOfBounds({ interval: 100, timeout: 101 }, b),
    undefined,
  );
  assert.equal(
    welcomeOutOfBounds({ interval: 3_600_000 - 1, timeout: 3_600_000 }, b),
    undefined,
  );
  assert.match(
    welcomeOutOfBounds({ interval: 99, timeout: 300 }, b)!,
    /"99ms"/,
  );
  assert.match(
    welcomeOutOfBounds({ interval: 5000, timeout: 3_600_001 }, b)!,
    /at most 1h/,
  );
  assert.equal(retryAfterOutOfBounds(3_600_000, b), undefined);
  assert.match(retryAfterOutOfBounds(3_600_001, b)!, /at most 1h/);
});

Deno.test("bounds and delays that setTimeout cannot hold are refused when the client is made", () => {
  assert.throws(
    () => resolveServerBounds({ maxTimeout: 2 ** 31 }),
    /Cannot use serverBounds.maxTimeout "2147483648": expected an integer from 1 to 2147483647/,
  );
  assert.throws(
    () => resolveServerBounds({ minInterval: 5000, maxInterval: 1000 }),
    RangeError,
  );
  assert.throws(
    () => new LifelineClient({ name: "A", connectTimeout: 2 ** 31 }),
    /Cannot use connectTimeout "2147483648": expected at most 2147483647 ms/,
  );
  assert.throws(
    () => new LifelineClient({ name: "A", reconnect: { maxDelay: 2 ** 40 } }),
    /reconnect.maxDelay/,
  );
});
