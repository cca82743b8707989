// One page's network cut through the DevTools protocol
// (Network.emulateNetworkConditions offline): the server sweeps it within
// timeout + tick, the other page sees suspect then offline timeout; with the
// network back it reconnects at once (the `online` event wakes it) and the
// other page sees it online again. Prints the measured times (MEASURE lines).
import assert from "node:assert/strict";
import { needsChromium, setOffline } from "../_helpers/chromium.ts";
import {
  assertNoProblems,
  log,
  measure,
  presenceOf,
  Scene,
  screenshot,
  stateText,
  TIMING,
  waitForLog,
} from "./_fixture.ts";

Deno.test({
  name:
    "a page whose network is cut is swept within timeout + tick, watchers see suspect then offline timeout, and it is back online as soon as the network is",
  ignore: needsChromium("tests/browser/network_cut_test.ts"),
}, async () => {
  await using scene = await Scene.start();
  const timeouts: { name: string; at: number; silentMs: number }[] = [];
  scene.server.addEventListener("timeout", (e) => {
    timeouts.push({
      name: e.detail.client?.name ?? "",
      at: Date.now(),
      silentMs: e.detail.silentMs,
    });
  });
  const cut = await scene.page("cut");
  const watcher = await scene.page("watcher", ["cut"]);
  await waitForLog(
    watcher,
    (e) => e.type === "presence" && e.detail.name === "cut",
  );

  const offlineAt = Date.now();
  await setOffline(cut, true);
  // The server sees silence and sweeps the page.
  await waitForLog(
    watcher,
    (e) =>
      e.type === "presence" && e.detail.name === "cut" &&
      e.detail.state === "offline",
    5000,
    "offline on the watcher",
  );
  const swept = timeouts.find((t) => t.name === "cut");
  assert.ok(swept !== undefined, "the server timed the page out");
  assert.ok(
    swept.silentMs >= TIMING.timeout &&
      swept.silentMs <= TIMING.timeout + TIMING.tick + 50,
    `swept after ${swept.silentMs} ms of silence`,
  );
  const states = presenceOf(await log(watcher), "cut").map(stateText);
  assert.deepEqual(states, ["online", "suspect", "offline timeout"]);
  await watcher.page.setViewportSize({ width: 1100, height: 620 });
  await screenshot(watcher, "offline.png");
  // The cut page declares the server dead by timestamps.
  const dead = await waitForLog(cut, (e) => e.type === "dead", 3000);
  // While offline it does not dial (each dial would fail and log an error),
  // and its backoff grows. Give the network back while a long wait is
  // pending, to see the online event cut it short.
  const deadline = Date.now() + 30_000;
  while (true) {
    const pending = (await log(cut)).filter((e) => e.type === "reconnecting")
      .at(-1);
    if (pending && pending.t + pending.detail.delay - Date.now() > 1000) break;
    assert.ok(Date.now() < deadline, "no reconnect wait longer than 1 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const watcherLog = await log(watcher);
  const suspectAt = presenceOf(watcherLog, "cut").find((e) =>
    e.detail.state === "suspect"
  )!.t;
  const offlineSeenAt =
    presenceOf(watcherLog, "cut").find((e) => e.detail.state === "offline")!.t;

  const onlineAt = Date.now();
  await setOffline(cut, false);
  const back = await waitForLog(
    cut,
    (e) => e.type === "welcome" && e.t >= onlineAt,
    5000,
    "the reconnect",
  );
  const seenOnline = await waitForLog(
    watcher,
    (e) =>
      e.type === "presence" && e.detail.name === "cut" &&
      e.detail.state === "online" && e.t >= onlineAt,
    5000,
    "online on the watcher",
  );
  const reconnectMs = back.t - onlineAt;
  // A first-attempt delay ([0, 500 ms)) plus the handshake, not the wait.
  assert.ok(reconnectMs < 900, `reconnected ${reconnectMs} ms after`);
  const cutLog = await log(cut);
  const woken = cutLog.find((e) =>
    e.type === "reconnecting" && e.detail.woken === true && e.t >= onlineAt
  );
  assert.ok(
    woken !== undefined,
    `the online event brought the dial forward: ${
      JSON.stringify(
        cutLog.filter((e) => e.t >= dead.t).map((
          e,
        ) => [e.t - onlineAt, e.type, e.detail]),
      )
    }`,
  );
  measure("network cut", {
    timeoutMs: TIMING.timeout,
    tickMs: TIMING.tick,
    serverSweptAfterSilenceMs: swept.silentMs,
    serverSweptAfterCutMs: swept.at - offlineAt,
    watcherSuspectAfterCutMs: suspectAt - offlineAt,
    watcherOfflineAfterCutMs: offlineSeenAt - offlineAt,
    pageDeclaredDeadAfterCutMs: dead.t - offlineAt,
    pageReconnectedAfterOnlineMs: reconnectMs,
    watcherOnlineAfterOnlineMs: seenOnline.t - onlineAt,
  });
  assertNoProblems(scene.chromium.pages);
});
