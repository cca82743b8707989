// Two pages of the demo and one TCP client on one server: each sees the
// others' presence and messages. Saves screenshots of the demo for the docs
// (docs/.vitepress/dist/browser/; with LIFELINE_UPDATE_SCREENSHOTS=1 also
// the committed copies in docs/public/browser/).
import assert from "node:assert/strict";
import { needsChromium } from "../_helpers/chromium.ts";
import { keepPinging, RawClient } from "../_helpers/server.ts";
import {
  assertNoProblems,
  log,
  presenceOf,
  Scene,
  screenshot,
  stateText,
  waitForLog,
} from "./_fixture.ts";

Deno.test({
  name:
    "two pages and a TCP client see each other's presence and messages, without a console error",
  ignore: needsChromium("tests/browser/presence_test.ts"),
}, async () => {
  await using scene = await Scene.start();
  await using tcp = await RawClient.hello(scene.server.addr.port, "tcp", [
    "alice",
    "bob",
  ]);
  const stopPinging = keepPinging(tcp, 200);
  const alice = await scene.page("alice", ["bob", "tcp"]);
  const bob = await scene.page("bob", ["alice", "tcp"]);
  await alice.page.setViewportSize({ width: 1100, height: 760 });

  // Presence: each page sees the other and the TCP client online; the TCP
  // client sees both pages.
  await waitForLog(
    alice,
    (e) =>
      e.type === "presence" && e.detail.name === "bob" &&
      e.detail.state === "online",
  );
  await waitForLog(
    bob,
    (e) =>
      e.type === "presence" && e.detail.name === "alice" &&
      e.detail.state === "online",
  );
  assert.equal(
    stateText(presenceOf(await log(bob), "tcp").at(-1)!),
    "online",
  );
  await tcp.until(() =>
    ["alice", "bob"].every((name) =>
      tcp.frames.filter((f) => f.type === "presence" && f.name === name)
          .at(-1)?.type === "presence" &&
      (tcp.frames.filter((f) => f.type === "presence" && f.name === name)
          .at(-1) as { state: string }).state === "online"
    )
  );

  // Messages, typed into the demo's chat box and sent over the socket.
  await alice.page.fill("#body", "hello everyone");
  await alice.page.click("#chat-form button");
  await waitForLog(
    bob,
    (e) => e.type === "message" && e.detail.body === "hello everyone",
  );
  await tcp.waitFor((f) => f.type === "msg" && f.body === "hello everyone");
  await bob.page.fill("#body", "@alice just you");
  await bob.page.click("#chat-form button");
  const direct = await waitForLog(
    alice,
    (e) => e.type === "message" && e.detail.body === "just you",
  );
  assert.deepEqual(direct.detail, {
    type: "msg",
    from: "bob",
    body: "just you",
  });
  await tcp.send({ type: "msg", body: "from TCP" });
  await waitForLog(
    alice,
    (e) => e.type === "message" && e.detail.from === "tcp",
  );
  await waitForLog(bob, (e) => e.type === "message" && e.detail.from === "tcp");
  assert.equal(
    tcp.frames.some((f) => f.type === "msg" && f.body === "just you"),
    false,
  );

  // The page shows it: the watch table and the chat.
  assert.match(
    await alice.page.locator('#watched tr[data-name="bob"]').innerText(),
    /online/,
  );
  stopPinging();
  await tcp.close();
  await waitForLog(
    alice,
    (e) =>
      e.type === "presence" && e.detail.name === "tcp" &&
      e.detail.state === "offline",
  );
  await alice.page.fill("#watch-name", "carol");
  await alice.page.click("#watch-form button");
  await waitForLog(
    alice,
    (e) => e.type === "presence" && e.detail.name === "carol",
  );
  assert.match(
    await alice.page.locator('#watched tr[data-name="tcp"]').innerText(),
    /offline \(closed\)/,
  );
  await screenshot(alice, "demo.png");
  assertNoProblems(scene.chromium.pages);
});
