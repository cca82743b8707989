// The Lifeline dashboard: polls the admin endpoint's /stats, keeps five
// minutes of history in the page, and draws its charts as SVG. No library,
// no CDN: the admin endpoint serves this file itself, so it works offline.
// A bearer token, when the endpoint has one, comes from the address:
// /#token=<token> (a fragment never leaves the browser).
"use strict";

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const HISTORY_MS = 5 * 60 * 1000;
  const REASONS = [
    "timeout",
    "closed",
    "replaced",
    "shutdown",
    "too_many_pings",
    "protocol_error",
  ];
  const params = new URLSearchParams(location.search);
  const asked = Number(params.get("refresh"));
  const token = readToken();
  const samples = [];
  const timeoutTimes = [];
  let refreshMs = asked > 0 ? asked : 1000;
  let lastSeq = 0;
  let previous = null;

  function readToken() {
    const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (match !== null) {
      sessionStorage.setItem(
        "lifeline-admin-token",
        decodeURIComponent(match[1]),
      );
      globalThis.history.replaceState(
        null,
        "",
        location.pathname + location.search,
      );
    }
    return sessionStorage.getItem("lifeline-admin-token");
  }

  const $ = (id) => document.getElementById(id);

  function setText(id, text) {
    const node = $(id);
    if (node.textContent !== text) node.textContent = text;
  }

  function badge(id, text, kind) {
    const node = $(id);
    node.textContent = text;
    node.className = `badge ${kind}`;
  }

  function banner(text) {
    const node = $("banner");
    node.hidden = text === null;
    if (text !== null) node.textContent = text;
  }

  function formatNumber(n) {
    if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
    if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
    return String(Math.round(n));
  }

  function formatMs(ms) {
    if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
    if (ms >= 1000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)} s`;
    return `${Math.round(ms * 100) / 100} ms`;
  }

  function formatBytes(bytes) {
    if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
    if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
    return `${(bytes / 1024).toFixed(0)} KiB`;
  }

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** A round time span for an axis: 30 s, 1, 2, 3 or 5 min. */
  function niceSpan(ms) {
    for (const span of [30_000, 60_000, 120_000, 180_000, 300_000]) {
      if (ms <= span) return span;
    }
    return HISTORY_MS;
  }

  /** A round upper end for an axis. */
  function niceMax(value) {
    if (value <= 0) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (value <= step * power) return step * power;
    }
    return 10 * power;
  }

  /** A line chart of samples[key] over the last five minutes. */
  function lineChart(svg, key, format) {
    const width = 600,
      height = 180,
      left = 44,
      right = 56,
      top = 10,
      bottom = 22;
    svg.replaceChildren();
    const points = samples.filter((h) => h[key] !== null);
    const now = samples.length > 0 ? samples[samples.length - 1].t : Date.now();
    // The last five minutes, or since the page opened (at least 30 s), so
    // that a fresh page is readable too.
    const since = samples.length > 0 ? now - samples[0].t : 0;
    const span = Math.min(HISTORY_MS, niceSpan(since));
    const t0 = now - span;
    const max = niceMax(Math.max(0, ...points.map((p) => p[key])));
    const x = (t) => left + ((t - t0) / span) * (width - left - right);
    const y = (v) => top + (1 - v / max) * (height - top - bottom);
    gridLines(svg, [0, max / 2, max], y, left, width - right, format);
    for (let m = 0; m <= 5; m++) {
      const ago = span - (m * span) / 5;
      const label = m === 5
        ? "now"
        : ago >= 60_000
        ? `−${ago / 60_000} min`
        : `−${ago / 1000} s`;
      svg.append(
        el(
          "text",
          { x: x(now - ago), y: height - 6, "text-anchor": "middle" },
          label,
        ),
      );
    }
    if (points.length === 0) return;
    const d = points.map((p, i) =>
      `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`
    ).join("");
    const first = points[0], last = points[points.length - 1];
    svg.append(el("path", {
      class: "area",
      d: `${d}L${x(last.t).toFixed(1)},${y(0)}L${x(first.t).toFixed(1)},${
        y(0)
      }Z`,
    }));
    svg.append(el("path", { class: "series", d }));
    svg.append(
      el(
        "text",
        { class: "strong", x: x(last.t) + 6, y: y(last[key]) + 4 },
        format(last[key]),
      ),
    );
  }

  /** Horizontal grid lines at the given values, labelled on the left. */
  function gridLines(svg, values, y, x1, x2, format) {
    for (const v of values) {
      svg.append(el("line", { class: "grid", x1, x2, y1: y(v), y2: y(v) }));
      svg.append(
        el("text", { x: x1 - 6, y: y(v) + 4, "text-anchor": "end" }, format(v)),
      );
    }
  }

  /** The detection-time histogram, with the bound timeout + tick marked. */
  function detectionChart(svg, detection, boundMs) {
    const width = 600,
      height = 200,
      left = 40,
      right = 10,
      top = 22,
      bottom = 34;
    svg.replaceChildren();
    const { bounds, counts } = detection;
    const n = counts.length;
    const max = niceMax(Math.max(...counts));
    const slot = (width - left - right) / n;
    const y = (v) => top + (1 - v / max) * (height - top - bottom);
    gridLines(svg, [0, max], y, left, width - right, formatNumber);
    let boundIndex = bounds.findIndex((b) => b >= boundMs);
    if (boundIndex < 0) boundIndex = bounds.length - 1;
    for (let i = 0; i < n; i++) {
      const late = i > boundIndex;
      const h = y(0) - y(counts[i]);
      svg.append(el("rect", {
        class: late ? "bar bad" : "bar",
        x: left + i * slot + 2,
        y: y(counts[i]),
        width: slot - 4,
        height: Math.max(0, h),
      }));
      if (counts[i] > 0) {
        svg.append(
          el("text", {
            class: "strong",
            x: left + (i + 0.5) * slot,
            y: y(counts[i]) - 4,
            "text-anchor": "middle",
          }, formatNumber(counts[i])),
        );
      }
      const label = i < bounds.length
        ? `≤${(bounds[i] / 1000).toFixed(bounds[i] % 1000 === 0 ? 0 : 2)}`
        : "more";
      svg.append(
        el("text", {
          x: left + (i + 0.5) * slot,
          y: height - 18,
          "text-anchor": "middle",
        }, label),
      );
    }
    svg.append(
      el(
        "text",
        { x: left, y: height - 4 },
        "seconds of silence when the sweeper closed the connection",
      ),
    );
    const bx = left + (boundIndex + 1) * slot;
    svg.append(
      el("line", { class: "bound", x1: bx, x2: bx, y1: top - 12, y2: y(0) }),
    );
    svg.append(
      el(
        "text",
        { x: bx + 4, y: top - 4 },
        `bound: timeout + tick = ${formatMs(boundMs)}`,
      ),
    );
  }

  /** Horizontal bars: disconnects by reason. */
  function reasonsChart(svg, disconnects) {
    const width = 600, left = 110, right = 50, row = 30, top = 8;
    svg.replaceChildren();
    const max = niceMax(Math.max(...REASONS.map((r) => disconnects[r] ?? 0)));
    REASONS.forEach((reason, i) => {
      const value = disconnects[reason] ?? 0;
      const yy = top + i * row;
      svg.append(
        el("text", { x: left - 8, y: yy + 17, "text-anchor": "end" }, reason),
      );
      const w = (value / max) * (width - left - right);
      svg.append(el("rect", {
        class: reason === "timeout" ? "bar bad" : "bar",
        x: left,
        y: yy + 4,
        width: Math.max(value > 0 ? 2 : 0, w),
        height: row - 10,
      }));
      svg.append(
        el(
          "text",
          { class: "strong", x: left + w + 6, y: yy + 17 },
          formatNumber(value),
        ),
      );
    });
  }

  function addEvents(events) {
    const body = $("events");
    for (const e of events) {
      const row = document.createElement("tr");
      const detail = e.kind === "timeout"
        ? `silent for ${formatMs(e.silentMs)}`
        : e.kind === "connect"
        ? e.protocol
        : e.reason;
      const cells = [
        new Date(e.time).toLocaleTimeString(),
        e.kind,
        e.name ?? `connection ${e.id} (no hello)`,
        detail ?? "",
      ];
      cells.forEach((text, i) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (i === 1) cell.className = `kind-${e.kind}`;
        row.append(cell);
      });
      body.prepend(row);
    }
    while (body.children.length > 100) body.lastElementChild.remove();
  }

  function definitions(id, entries) {
    const list = $(id);
    list.replaceChildren();
    for (const [term, value] of entries) {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
  }

  function update(data) {
    const { stats, server, process: proc, readiness } = data;
    const connections = stats.connections.lifeline + stats.connections.go;
    let heartbeatRate = null;
    let cpuShare = null;
    if (previous !== null && data.time > previous.time) {
      const seconds = (data.time - previous.time) / 1000;
      heartbeatRate = Math.max(
        0,
        (stats.heartbeats - previous.stats.heartbeats) / seconds,
      );
      cpuShare = (proc.cpuSeconds - previous.process.cpuSeconds) / seconds;
      for (let i = previous.stats.timeouts; i < stats.timeouts; i++) {
        timeoutTimes.push(data.time);
      }
    }
    samples.push({ t: data.time, connections, heartbeatRate });
    while (samples.length > 0 && samples[0].t < data.time - HISTORY_MS) {
      samples.shift();
    }
    while (timeoutTimes.length > 0 && timeoutTimes[0] < data.time - 60_000) {
      timeoutTimes.shift();
    }

    badge("state", server.state, server.state === "serving" ? "good" : "warn");
    badge(
      "ready",
      readiness.ready ? "ready" : "not ready",
      readiness.ready ? "good" : "bad",
    );
    if (server.address !== null) {
      setText(
        "address",
        `${server.transport} on ${server.address.hostname}:${server.address.port}`,
      );
    }
    setText("updated", `updated ${new Date(data.time).toLocaleTimeString()}`);

    setText("connections", String(connections));
    setText(
      "connections-detail",
      `lifeline ${stats.connections.lifeline} · go ${stats.connections.go} · open ${stats.open}` +
        (server.maxConnections === null
          ? ""
          : ` of ${formatNumber(server.maxConnections)}`),
    );
    setText(
      "heartbeat-rate",
      heartbeatRate === null ? "–" : formatNumber(heartbeatRate),
    );
    setText(
      "heartbeats-total",
      `${formatNumber(stats.heartbeats)} since start`,
    );
    setText("timeouts", String(stats.timeouts));
    setText("timeouts-recent", `${timeoutTimes.length} in the last minute`);
    const { bounds, counts, count } = stats.detection;
    let boundIndex = bounds.findIndex((b) => b >= server.boundMs);
    if (boundIndex < 0) boundIndex = bounds.length - 1;
    const late = counts.slice(boundIndex + 1).reduce((a, b) => a + b, 0);
    setText("late-detections", String(late));
    $("late-detections").className = late > 0 ? "value bad" : "value";
    setText(
      "detection-bound",
      `of ${count} detections; bound ${formatMs(server.boundMs)}`,
    );
    setText("process-memory", formatBytes(proc.residentMemoryBytes));
    setText(
      "process-detail",
      `CPU ${cpuShare === null ? "–" : `${(cpuShare * 100).toFixed(1)}%`}` +
        (proc.openFds === undefined ? "" : ` · ${proc.openFds} fds`),
    );

    lineChart($("chart-connections"), "connections", formatNumber);
    lineChart($("chart-heartbeats"), "heartbeatRate", formatNumber);
    detectionChart($("chart-detection"), stats.detection, server.boundMs);
    reasonsChart($("chart-disconnects"), stats.disconnects);
    addEvents(data.events);

    const uptime = data.time / 1000 - proc.startTimeSeconds;
    const cluster = server.cluster;
    definitions("node", [
      ["state", server.state],
      ...(cluster.distributed
        ? [[
          "cluster",
          `${cluster.nodeId} · ${cluster.nodes} nodes · ${
            cluster.available ? "available" : `degraded: ${cluster.reason}`
          }`,
        ]]
        : []),
      ["interval", formatMs(server.interval)],
      ["timeout", formatMs(server.timeout)],
      ["tick", formatMs(server.tick)],
      ["uptime", formatMs(uptime * 1000)],
      ["accepted", formatNumber(stats.accepted)],
      [
        "refused",
        `${stats.refused.server_full} full · ${stats.refused.shutdown} shutdown`,
      ],
      [
        "presence",
        `${stats.presence.online} online · ${stats.presence.suspect} suspect · ${stats.presence.offline} offline`,
      ],
      ["write queue", `${formatBytes(stats.writeQueueMaxBytes)} max`],
      [
        "sweeps",
        `${formatNumber(stats.sweep.count)} · mean ${
          formatMs(
            stats.sweep.count === 0 ? 0 : stats.sweep.sum / stats.sweep.count,
          )
        }`,
      ],
    ]);
    const list = $("readiness");
    list.replaceChildren();
    for (const check of readiness.checks) {
      const item = document.createElement("li");
      item.className = check.ok ? "ok" : "failing";
      item.textContent = check.ok
        ? `${check.name}: ok`
        : `${check.name}: ${check.reason}`;
      list.append(item);
    }
    previous = data;
  }

  async function poll() {
    try {
      const headers = token === null
        ? {}
        : { authorization: `Bearer ${token}` };
      const response = await fetch(`stats?since=${lastSeq}`, {
        headers,
        cache: "no-store",
      });
      if (response.status === 401) {
        banner(
          "This admin endpoint needs a token: open this page as /#token=<token>.",
        );
      } else if (!response.ok) {
        banner(`The admin endpoint answered HTTP ${response.status}.`);
      } else {
        const data = await response.json();
        if (!(asked > 0)) refreshMs = data.refreshMs;
        lastSeq = data.lastEventSeq;
        banner(null);
        update(data);
      }
    } catch (error) {
      banner(`Cannot reach the admin endpoint (${error.message}); retrying.`);
    }
    setTimeout(poll, refreshMs);
  }

  poll();
})();
