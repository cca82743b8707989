// A page frozen through the DevTools protocol (Page.setWebLifecycleState
// frozen, then active), as Chrome freezes a background tab. Chromium 156
// closes a frozen page's WebSockets ("Page entered Back-Forward Cache"),
// but the close reaches the server only when the page resumes; meanwhile
// the server sees silence. So its watchers see `suspect`, then (frozen past
// the timeout) `offline timeout`; on `resume` the client reconnects and
// they see `online`. Prints the measured times (MEASURE lines).
import assert from "node:assert/strict";
import { needsChromium, setFrozen } from "../_helpers/chromium.ts";
import {
  assertNoProblems,
  log,
  measure,
  presenceOf,
  Scene,
  stateText,
  TIMING,
  waitForLog,
} from "./_fixture.ts";

// What Chromium itself prints when it closes the socket of a page it
// freezes: not the page's doing, and the one console error allowed here.
const CHROME_CLOSES_ON_FREEZE =
  /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed: Page entered Back-Forward Cache/;

Deno.test({
  name:
    "a frozen page is suspect, then offline timeout; on resume it reconnects at once and is online again",
  ignore: needsChromium("tests/browser/freeze_test.ts"),
}, async (t) => {
  await using scene = await Scene.start();
  const frozen = await scene.page("frozen");
  const watcher = await scene.page("watcher", ["frozen"]);
  await waitForLog(
    watcher,
    (e) => e.type === "presence" && e.detail.name === "frozen",
  );

  await t.step("frozen past the timeout", async () => {
    const frozenAt = Date.now();
    await setFrozen(frozen, true);
    await waitForLog(
      watcher,
      (e) =>
        e.type === "presence" && e.detail.name === "frozen" &&
        e.detail.state === "offline",
      5000,
      "offline on the watcher",
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const resumedAt = Date.now();
    await setFrozen(frozen, false);
    const back = await waitForLog(
      frozen,
      (e) => e.type === "welcome" && e.t >= resumedAt,
      5000,
      "the reconnect",
    );
    const online = await waitForLog(
      watcher,
      (e) =>
        e.type === "presence" && e.detail.name === "frozen" &&
        e.detail.state === "online" && e.t >= resumedAt,
      5000,
      "online on the watcher",
    );
    const seen = presenceOf(await log(watcher), "frozen");
    assert.deepEqual(seen.map(stateText), [
      "online",
      "suspect",
      "offline timeout",
      "online",
    ]);
    // The close arrives on resume; the reconnect waits a backoff delay
    // (jittered, [0, 500 ms) for a first attempt), not a timer's period.
    const reconnectMs = back.t - resumedAt;
    assert.ok(reconnectMs < 1500, `reconnected ${reconnectMs} ms after resume`);
    measure("frozen past the timeout", {
      timeoutMs: TIMING.timeout,
      suspectAfterMs: TIMING.suspectAfter,
      watcherSuspectAfterFreezeMs: seen[1].t - frozenAt,
      watcherOfflineAfterFreezeMs: seen[2].t - frozenAt,
      pageReconnectedAfterResumeMs: reconnectMs,
      watcherOnlineAfterResumeMs: online.t - resumedAt,
    });
  });

  await t.step("frozen for less than the timeout", async () => {
    const before = (await log(watcher)).length;
    const frozenAt = Date.now();
    await setFrozen(frozen, true);
    await waitForLog(
      watcher,
      (e) =>
        e.type === "presence" && e.detail.name === "frozen" &&
        e.detail.state === "suspect" && e.t >= frozenAt,
      3000,
      "suspect on the watcher",
    );
    const resumedAt = Date.now();
    assert.ok(resumedAt - frozenAt < TIMING.timeout);
    await setFrozen(frozen, false);
    const back = await waitForLog(
      frozen,
      (e) => e.type === "welcome" && e.t >= resumedAt,
      5000,
      "the reconnect",
    );
    const closedSeen = await waitForLog(
      watcher,
      (e) =>
        e.type === "presence" && e.detail.name === "frozen" &&
        e.detail.state === "offline" && e.t >= resumedAt,
      5000,
      "offline closed on the watcher",
    );
    await waitForLog(
      watcher,
      (e) =>
        e.type === "presence" && e.detail.name === "frozen" &&
        e.detail.state === "online" && e.t >= closedSeen.t,
      5000,
      "online on the watcher",
    );
    const seen = presenceOf((await log(watcher)).slice(before), "frozen");
    const online = seen.at(-1)!;
    assert.ok(back.t - resumedAt < 1500);
    // The socket Chrome closed reaches the server on resume: the watcher
    // sees the old session end (`offline closed`; the wake-up ping may get
    // there first, an `online` before it), then the new one. Never a
    // timeout: the page was not gone long enough.
    const states = seen.map(stateText);
    assert.equal(states[0], "suspect");
    assert.equal(states.at(-1), "online");
    assert.ok(states.includes("offline closed"), states.join(", "));
    assert.ok(!states.includes("offline timeout"), states.join(", "));
    measure("frozen for less than the timeout", {
      watcherSuspectAfterFreezeMs: seen[0].t - frozenAt,
      pageReconnectedAfterResumeMs: back.t - resumedAt,
      watcherOnlineAfterResumeMs: online.t - resumedAt,
    });
  });
  assertNoProblems(scene.chromium.pages, [CHROME_CLOSES_ON_FREEZE]);
});
