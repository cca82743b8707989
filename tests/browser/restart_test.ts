// The server restarted under six pages: each gets bye shutdown with its
// own retryAfter, the server comes back on the same ports, and every page
// reconnects, spread over the retryAfter window (not in one burst), with no
// failed connection attempt (the retryAfter floor keeps them away until the
// new server listens). Prints the reconnect times (MEASURE line).
import assert from "node:assert/strict";
import { needsChromium } from "../_helpers/chromium.ts";
import {
  assertNoProblems,
  log,
  measure,
  Scene,
  waitForLog,
} from "./_fixture.ts";

const PAGES = 6;
const RETRY = { retryAfterMin: 300, retryAfterSpread: 1500 } as const;

Deno.test({
  name:
    "after a server restart every page reconnects, spread over the retryAfter window",
  ignore: needsChromium("tests/browser/restart_test.ts"),
}, async () => {
  await using scene = await Scene.start(RETRY);
  const pages = [];
  for (let i = 0; i < PAGES; i++) pages.push(await scene.page(`page-${i}`));

  const closedAt = Date.now();
  await scene.server.close();
  await scene.restartServer();
  const restartedAt = Date.now();
  const backs = await Promise.all(
    pages.map((page) =>
      waitForLog(
        page,
        (e) => e.type === "welcome" && e.t >= closedAt,
        10_000,
        "the reconnect",
      )
    ),
  );
  const byes = await Promise.all(
    pages.map(async (page) =>
      (await log(page)).find((e) => e.type === "bye" && e.t >= closedAt)!
    ),
  );
  const hints = byes.map((bye) => bye.detail.retryAfter as number).sort((
    a,
    b,
  ) => a - b);
  const after = backs.map((back) => back.t - closedAt).sort((a, b) => a - b);
  for (const hint of hints) {
    assert.ok(
      hint >= RETRY.retryAfterMin &&
        hint < RETRY.retryAfterMin + RETRY.retryAfterSpread,
      `retryAfter ${hint}`,
    );
  }
  // Nobody came back before its hint, and they did not come back at once.
  for (let i = 0; i < PAGES; i++) {
    const back = backs[i].t - closedAt;
    assert.ok(back >= byes[i].detail.retryAfter - 20, `${back} ms`);
  }
  const spreadMs = after.at(-1)! - after[0];
  assert.ok(spreadMs > RETRY.retryAfterSpread / 4, `spread ${spreadMs} ms`);
  assert.deepEqual(
    scene.server.clients().map((c) => c.name).sort(),
    pages.map((_, i) => `page-${i}`),
  );
  measure("server restart", {
    pages: PAGES,
    retryAfterMinMs: RETRY.retryAfterMin,
    retryAfterSpreadMs: RETRY.retryAfterSpread,
    restartTookMs: restartedAt - closedAt,
    retryAfterHintsMs: hints,
    reconnectedAfterCloseMs: after,
    spreadMs,
  });
  assertNoProblems(scene.chromium.pages);
});
