// A hidden page keeps its session past several timeouts: its timers run in
// a dedicated Worker. The pages are hidden by minimizing their windows
// (Browser.setWindowBounds), which sets document.visibilityState to
// "hidden" and lets Chromium throttle them as background tabs: page timers
// at most once a second, and, with intensive wake-up throttling started
// after 2 s hidden instead of 5 min (tests/_helpers/chromium.ts), once a
// minute. A control page with the timers on the page (?worker=0) misses
// its heartbeats (suspect, and usually swept), which shows that the
// throttling is real.
import assert from "node:assert/strict";
import {
  INTENSIVE_THROTTLING_AFTER_S,
  needsChromium,
  setMinimized,
} from "../_helpers/chromium.ts";
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

const HIDDEN_MS = 8000;

Deno.test({
  name:
    "a hidden page heartbeats from a worker and stays online past several timeouts, while page timers are throttled",
  ignore: needsChromium("tests/browser/hidden_test.ts"),
}, async () => {
  await using scene = await Scene.start();
  const heartbeats = new Map<string, number[]>();
  scene.server.addEventListener("heartbeat", (e) => {
    const list = heartbeats.get(e.detail.client.name) ?? [];
    list.push(Date.now());
    heartbeats.set(e.detail.client.name, list);
  });
  const hidden = await scene.page("hidden");
  const control = await scene.page("control", [], { worker: "0" });
  const watcher = await scene.page("watcher", ["hidden", "control"]);
  await waitForLog(
    watcher,
    (e) => e.type === "presence" && e.detail.name === "control",
  );
  assert.equal(
    await hidden.page.evaluate("globalThis.lifeline.client.timersInWorker"),
    true,
  );
  // Counts how often a 100 ms page timer really runs.
  await hidden.page.evaluate(
    "globalThis.ticks = 0; setInterval(() => globalThis.ticks++, 100)",
  );

  const hiddenAt = Date.now();
  await setMinimized(hidden, true);
  await setMinimized(control, true);
  assert.equal(
    await hidden.page.evaluate("document.visibilityState"),
    "hidden",
  );
  await new Promise((resolve) => setTimeout(resolve, HIDDEN_MS));
  const ticks = await hidden.page.evaluate("globalThis.ticks") as number;
  const shownAt = Date.now();
  await setMinimized(hidden, false);
  await setMinimized(control, false);

  // The page's own timers were throttled: far fewer than one per 100 ms.
  assert.ok(ticks < HIDDEN_MS / 100 / 4, `${ticks} page timer ticks`);
  // The worker-timed page stayed: no disconnect, and its watcher never saw
  // it suspect or offline.
  const hiddenLog = (await log(hidden)).filter((e) =>
    e.t >= hiddenAt && e.t <= shownAt
  );
  assert.deepEqual(
    hiddenLog.filter((e) => e.type === "disconnect" || e.type === "dead"),
    [],
  );
  const watcherLog = await log(watcher);
  assert.deepEqual(presenceOf(watcherLog, "hidden").map(stateText), [
    "online",
  ]);
  const beats = (heartbeats.get("hidden") ?? []).filter((t) =>
    t >= hiddenAt && t <= shownAt
  );
  const gaps = beats.slice(1).map((t, i) => t - beats[i]);
  const longestGap = Math.max(...gaps);
  assert.ok(longestGap < TIMING.timeout, `longest gap ${longestGap} ms`);
  // The page-timed control missed its heartbeats (page timers at most
  // once a second against a 375 ms suspect threshold and a 1 s timeout).
  const controlStates = presenceOf(watcherLog, "control").filter((e) =>
    e.t >= hiddenAt && e.t <= shownAt + 500
  ).map(stateText);
  assert.ok(
    controlStates.includes("suspect"),
    `control: ${controlStates.join(", ")}`,
  );
  const controlBeats = (heartbeats.get("control") ?? []).filter((t) =>
    t >= hiddenAt + INTENSIVE_THROTTLING_AFTER_S * 1000 && t <= shownAt
  );
  measure("hidden page", {
    hiddenMs: shownAt - hiddenAt,
    timeoutMs: TIMING.timeout,
    intervalMs: TIMING.interval,
    intensiveThrottlingAfterMs: INTENSIVE_THROTTLING_AFTER_S * 1000,
    pageTimerTicksOf100ms: ticks,
    workerPageHeartbeats: beats.length,
    workerPageLongestGapMs: longestGap,
    controlHeartbeatsUnderIntensiveThrottling: controlBeats.length,
    control: controlStates.join(", "),
  });
  assertNoProblems(scene.chromium.pages);
});
