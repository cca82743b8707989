// The demo page: sign in, watch names, see their state, chat. It also keeps
// every client event in globalThis.lifeline.log (with Date.now() times) for the
// browser tests. Query parameters sign in at once: ?name=A&watch=B,C, and
// ?worker=0 keeps the timers on the page (to show what throttling does).

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const log = [];
const watched = new Map();
globalThis.lifeline = { client: undefined, log, watched };

// The build, served beside the page (`deno task build:browser`); imported by
// URL so that type checks of the repository do not look for it on disk.
const { BrowserClient } = await import(
  new URL("/lifeline.js", location.href).href
);

function record(type, detail) {
  log.push({ t: Date.now(), type, detail });
}

function line(list, text, className) {
  const item = document.createElement("li");
  if (className) item.className = className;
  item.textContent = text;
  list.append(item);
  list.scrollTop = list.scrollHeight;
  while (list.children.length > 200) list.firstElementChild.remove();
  return item;
}

function time() {
  return new Date().toLocaleTimeString([], { hour12: false });
}

function setStatus(state, text) {
  $("status").className = `status ${state}`;
  $("status").textContent = text;
}

function renderWatched() {
  const rows = [...watched.entries()].sort(([a], [b]) => a.localeCompare(b));
  $("watched").replaceChildren(...rows.map(([name, p]) => {
    const row = document.createElement("tr");
    row.dataset.name = name;
    const state = document.createElement("span");
    state.className = `state ${p.state}`;
    state.textContent = p.state + (p.reason ? ` (${p.reason})` : "") +
      (p.silentMs !== undefined
        ? ` silent ${(p.silentMs / 1000).toFixed(1)}s`
        : "");
    const cells = [name, state, p.at];
    for (const cell of cells) {
      const td = document.createElement("td");
      td.append(cell);
      row.append(td);
    }
    return row;
  }));
}

async function signIn(name, watch) {
  const config = await (await fetch("/config.json")).json();
  let client;
  try {
    client = new BrowserClient({
      url: config.ws,
      name,
      worker: params.get("worker") !== "0",
    });
  } catch (error) {
    // A name the protocol does not allow: say so, and let them try again.
    setStatus("closed", error.message);
    return;
  }
  globalThis.lifeline.client = client;
  for (
    const type of [
      "connecting",
      "welcome",
      "reconnected",
      "disconnect",
      "dead",
      "reconnecting",
      "bye",
      "error",
      "presence",
      "message",
      "close",
    ]
  ) {
    client.addEventListener(type, (event) => record(type, event.detail));
  }
  client.addEventListener("connecting", (e) => {
    setStatus(
      "connecting",
      e.detail.attempt === 0
        ? "connecting"
        : `reconnecting (attempt ${e.detail.attempt})`,
    );
  });
  client.addEventListener("welcome", (e) => {
    setStatus(
      "online",
      `online as ${name} · ping every ${e.detail.effectiveInterval / 1000}s${
        client.timersInWorker ? " from a worker" : ""
      }`,
    );
    line(
      $("log"),
      `${time()} welcome: interval ${e.detail.interval}ms, timeout ${e.detail.timeout}ms`,
    );
  });
  client.addEventListener("reconnected", (e) => {
    line(
      $("log"),
      `${time()} reconnected after ${e.detail.attempts} attempt(s), down ${
        (e.detail.downtime / 1000).toFixed(1)
      }s`,
    );
  });
  client.addEventListener("disconnect", (e) => {
    setStatus("reconnecting", `disconnected (${e.detail.reason})`);
    line(
      $("log"),
      `${time()} disconnect: ${e.detail.reason}${
        e.detail.message ? ` (${e.detail.message})` : ""
      }`,
    );
  });
  client.addEventListener("dead", (e) => {
    line(
      $("log"),
      `${time()} server declared dead: silent ${
        (e.detail.silentFor / 1000).toFixed(1)
      }s`,
    );
  });
  client.addEventListener("reconnecting", (e) => {
    setStatus(
      "reconnecting",
      `reconnecting in ${(e.detail.delay / 1000).toFixed(1)}s`,
    );
    line(
      $("log"),
      `${time()} reconnecting: attempt ${e.detail.attempt} in ${e.detail.delay}ms${
        e.detail.woken ? " (woken)" : ""
      }`,
    );
  });
  client.addEventListener("bye", (e) => {
    line(
      $("log"),
      `${time()} bye: ${e.detail.reason}${
        e.detail.retryAfter ? `, back after ${e.detail.retryAfter}ms` : ""
      }`,
    );
  });
  client.addEventListener("close", (e) => {
    setStatus("closed", `closed (${e.detail.reason})`);
  });
  client.addEventListener("presence", (e) => {
    watched.set(e.detail.name, { ...e.detail, at: time() });
    renderWatched();
  });
  client.addEventListener("message", (e) => {
    const item = line($("messages"), "");
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = `${e.detail.from}: `;
    item.append(from, e.detail.body);
  });
  $("signin").hidden = true;
  for (const id of ["presence", "chat", "log-section"]) $(id).hidden = false;
  if (watch.length > 0) client.watch(watch);
}

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void signIn($("name").value.trim(), []);
});

$("watch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("watch-name").value.trim();
  globalThis.lifeline.client?.watch([name]);
  $("watch-name").value = "";
});

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("body").value.trim();
  const match = /^@(\S+)\s+(.*)$/.exec(text);
  const client = globalThis.lifeline.client;
  if (client === undefined) return;
  if (match) client.send(match[2], match[1]);
  else client.send(text);
  const item = line($("messages"), "", "mine");
  const from = document.createElement("span");
  from.className = "from";
  from.textContent = match ? `me → ${match[1]}: ` : "me: ";
  item.append(from, match ? match[2] : text);
  $("body").value = "";
});

if (params.has("name")) {
  const watch = (params.get("watch") ?? "").split(",").filter((n) => n !== "");
  void signIn(params.get("name"), watch);
}
