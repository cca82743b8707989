/**
 * One load-generator process: opens its share of the connections with
 * `node:net` (cheaper than `Deno.connect`), says hello, and sends a
 * heartbeat every interval from a random phase, driven by one shared timer
 * wheel (no timer per connection), or with `pace` each at its own time
 * from a pacer thread (`_pacer.ts`). Per-connection state lives in typed
 * arrays. With the presence scenario, each client also sends its `watch`
 * frame after `welcome`, and the worker kills and freezes its planned
 * clients during the measured window (see `_load_presence.ts`). With the
 * cluster scenario, a client the server closes connects again with the
 * Lifeline client's backoff, and the worker also takes the `addresses`,
 * `watch`, `churn`, `silent` and `cluster-report` commands (see
 * `_load_cluster.ts`). Each client connects from a port of its own when the
 * coordinator hands out ports (see `_load_ports.ts`). Controlled by lines
 * on stdin (`measure`, `report`, `close`, and those); reports JSON lines on
 * stdout (`ramped`, `report`, `closed`, and the answers to those).
 *
 * Started by `_load_run.ts` as `deno run -A bench/_load_worker.ts '<config json>'`.
 *
 * @module
 */

import net from "node:net";
import { RttHistogram } from "./_histogram.ts";
import { readLines } from "./_lines.ts";
import { ClusterClients } from "./_load_cluster.ts";
import { PortBook } from "./_load_ports.ts";
import { Pacer } from "./_pacer.ts";
import { isPresenceLine, PresenceBook, wallNow } from "./_load_presence.ts";
import type { WorkerConfig, WorkerReport } from "./_load_types.ts";

const CONNECTING = 1;
const AWAITING_WELCOME = 2;
const READY = 3;
const CLOSED = 4;

const PONG_PREFIX = '{"type":"pong","seq":';
const WELCOME_PREFIX = '{"type":"welcome"';
// The largest batch the wheel's histogram tells apart; larger ones count here.
const MAX_BATCH = 4096;
// Tries of other ports when the one given is taken.
const PORT_TRIES = 5;
// How long `watch` waits for the snapshots before it answers anyway.
const SNAPSHOT_WAIT_MS = 15_000;

/**
 * Runs one worker until it is told to close or its time bound passes.
 *
 * @param config What to open and how to drive it.
 * @returns When the worker has closed its connections.
 */
export async function runWorker(config: WorkerConfig): Promise<void> {
  const n = config.count;
  const sockets: (net.Socket | null)[] = new Array(n).fill(null);
  const state = new Uint8Array(n);
  const awaitingPong = new Uint8Array(n);
  const sentAt = new Float64Array(n);
  const seqs = new Float64Array(n);
  const partial = new Map<number, string>();
  // Clients frozen by the scenario send nothing and read nothing.
  const frozen = new Uint8Array(n);
  const book = config.presence
    ? new PresenceBook(config.presence, config)
    : null;
  // A worker the coordinator stops as a whole would count its freeze as
  // round trips: its pongs are left out.
  const timesRtt = config.presence?.stopped !== true;
  const ports = config.ports === undefined
    ? null
    : new PortBook(config.ports, config.sources.length);
  const cluster = config.cluster
    ? new ClusterClients({
      firstId: config.firstId,
      count: n,
      namePrefix: config.namePrefix,
    })
    : null;
  // How many times each client has connected: the first time from its
  // home port, then from spare ones.
  const opened = new Uint16Array(n);
  const portTries = new Uint8Array(n);
  const batchCounts = new Uint32Array(MAX_BATCH + 1);
  const slotCount = Math.max(1, Math.round(config.intervalMs / config.tickMs));
  const slots: number[][] = Array.from({ length: slotCount }, () => []);
  for (let i = 0; i < n; i++) {
    slots[Math.floor(Math.random() * slotCount)].push(i);
  }

  const histogram = new RttHistogram();
  let worstPerSecond: number[] = [];
  const errors: Record<string, number> = {};
  const frames: Record<string, number> = {};
  let next = 0;
  let inflight = 0;
  let awaitingWelcome = 0;
  let ready = 0;
  let failed = 0;
  let dropped = 0;
  let heartbeats = 0;
  let pongs = 0;
  let late = 0;
  let byes = 0;
  let errorFrames = 0;
  let measuring = false;
  let measureStart = 0;
  let closing = false;
  let rampedSent = false;
  const started = performance.now();

  function emit(event: unknown): void {
    console.log(JSON.stringify(event));
  }

  function name(i: number): string {
    return `${config.namePrefix}${config.firstId + i}`;
  }

  /** The port client `i` connects from this time, or `undefined` for any. */
  function localPort(i: number): number | undefined {
    if (ports === null) return undefined;
    const id = config.firstId + i;
    return opened[i] === 0 && portTries[i] === 0
      ? ports.home(id)
      : ports.spare(id);
  }

  function open(i: number): void {
    state[i] = CONNECTING;
    inflight++;
    cluster?.attempted(i);
    const source = config.sources[(config.firstId + i) % config.sources.length];
    const port = portTries[i] < PORT_TRIES ? localPort(i) : undefined;
    const socket = net.connect({
      host: config.host,
      port: config.port,
      localAddress: source,
      ...(port === undefined ? {} : { localPort: port }),
    });
    sockets[i] = socket;
    socket.on("connect", () => {
      inflight--;
      opened[i]++;
      portTries[i] = 0;
      socket.setNoDelay(true);
      if (config.protocol === "lifeline") {
        state[i] = AWAITING_WELCOME;
        awaitingWelcome++;
        socket.write(`{"type":"hello","name":"${name(i)}"}\n`);
        book?.sent(i, wallNow(), false);
        cluster?.helloSent(i);
      } else {
        state[i] = READY;
        ready++;
      }
    });
    socket.on("data", (chunk: Uint8Array) => onData(i, chunk));
    socket.on("error", (error: Error & { code?: string }) => {
      const code = error.code ?? error.name;
      const connecting = state[i] === CONNECTING && sockets[i] === socket;
      if (connecting) {
        inflight--;
        state[i] = CLOSED;
        sockets[i] = null;
      }
      if (
        connecting && port !== undefined && !closing &&
        (code === "EADDRINUSE" || code === "EADDRNOTAVAIL")
      ) {
        // Someone else holds that port: another one (then any).
        portTries[i]++;
        open(i);
        return;
      }
      errors[code] = (errors[code] ?? 0) + 1;
      if (!connecting) return;
      if (cluster !== null && !closing) {
        retryLater(i, cluster.failed(i, code));
      } else failed++;
    });
    socket.on("close", () => {
      if (sockets[i] !== socket) return;
      const welcomed = state[i] === READY;
      const wasOpen = welcomed || state[i] === AWAITING_WELCOME;
      if (welcomed) ready--;
      if (state[i] === AWAITING_WELCOME) awaitingWelcome--;
      state[i] = CLOSED;
      sockets[i] = null;
      partial.delete(i);
      if (closing || !wasOpen) return;
      if (cluster === null) {
        dropped++;
        return;
      }
      const delay = cluster.ended(i, performance.now(), welcomed);
      if (delay === null) return;
      if (welcomed) dropped++;
      retryLater(i, delay);
    });
  }

  const retryTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Client `i` connects again after `delay` ms (the cluster scenario). */
  function retryLater(i: number, delay: number): void {
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      if (!closing && state[i] === CLOSED) open(i);
    }, delay);
    retryTimers.add(timer);
  }

  function onData(i: number, chunk: Uint8Array): void {
    if (config.protocol !== "lifeline") return;
    const now = performance.now();
    let text = (chunk as Uint8Array & { toString(enc: string): string })
      .toString("latin1");
    const rest = partial.get(i);
    if (rest !== undefined) {
      text = rest + text;
      partial.delete(i);
    }
    let start = 0;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      if (text.startsWith(PONG_PREFIX, start)) {
        const seq = Number(text.slice(start + PONG_PREFIX.length, newline - 1));
        if (awaitingPong[i] === 1 && seq === seqs[i]) {
          awaitingPong[i] = 0;
          if (measuring && timesRtt) {
            pongs++;
            const rtt = now - sentAt[i];
            histogram.record(rtt);
            const second = Math.floor((now - measureStart) / 1000);
            if (!(rtt <= (worstPerSecond[second] ?? 0))) {
              worstPerSecond[second] = Math.round(rtt * 10) / 10;
            }
          }
        }
      } else if (text.startsWith(WELCOME_PREFIX, start)) {
        if (state[i] === AWAITING_WELCOME) {
          state[i] = READY;
          awaitingWelcome--;
          ready++;
          awaitingPong[i] = 0;
          const watch = book?.watchFrame(i);
          if (watch) {
            sockets[i]?.write(watch);
            book!.sent(i, wallNow(), measuring);
          }
          const again = cluster?.welcomed(i, now);
          if (again) sockets[i]?.write(again);
        }
      } else if (book !== null && isPresenceLine(text, start)) {
        book.received(
          i,
          text.slice(start, newline),
          performance.timeOrigin + now,
          measuring,
        );
      } else if (cluster !== null && isPresenceLine(text, start)) {
        cluster.presence(
          i,
          text.slice(start, newline),
          performance.timeOrigin + now,
        );
      } else {
        const line = text.slice(start, newline);
        if (line.includes('"type":"bye"')) {
          cluster?.bye(i, line, state[i] === READY);
          byes++;
          const reason = /"reason":"([a-z_]+)"/.exec(line)?.[1] ?? "?";
          frames[`bye ${reason}`] = (frames[`bye ${reason}`] ?? 0) + 1;
        } else if (line.includes('"type":"error"')) {
          errorFrames++;
          const code = /"code":"([a-z_]+)"/.exec(line)?.[1] ?? "?";
          frames[`error ${code}`] = (frames[`error ${code}`] ?? 0) + 1;
        }
      }
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    if (start < text.length) partial.set(i, text.slice(start));
  }

  function beat(i: number, now: number): void {
    if (state[i] !== READY || frozen[i] === 1) return;
    const socket = sockets[i];
    if (socket === null) return;
    book?.sent(i, performance.timeOrigin + now, measuring);
    if (config.protocol === "lifeline") {
      if (awaitingPong[i] === 1 && measuring && timesRtt) late++;
      const seq = ++seqs[i];
      awaitingPong[i] = 1;
      sentAt[i] = now;
      socket.write(`{"type":"ping","seq":${seq}}\n`);
    } else {
      socket.write(
        `{"MessageType":1,"Content":"ping","Owner":"${name(i)}"}`,
      );
    }
    if (measuring) heartbeats++;
  }

  function ramp(): void {
    while (next < n && inflight < config.concurrency) open(next++);
    if (rampedSent) return;
    const done = next === n && inflight === 0 && awaitingWelcome === 0;
    const elapsed = performance.now() - started;
    if (done || elapsed > config.rampTimeoutMs) {
      rampedSent = true;
      emit({ event: "ramped", ready, failed, ms: Math.round(elapsed) });
    }
  }

  // With a pacer, the wheel only opens connections.
  let paced = 0;
  const pacer = config.pace
    ? new Pacer(n, config.intervalMs, (i) => {
      const before = heartbeats;
      beat(i, performance.now());
      paced += heartbeats - before;
    }, () => {
      if (measuring && paced > 0) batchCounts[Math.min(MAX_BATCH, paced)]++;
      paced = 0;
    })
    : null;

  let lastSlot = -1;
  const wheel = setInterval(() => {
    ramp();
    if (pacer !== null) return;
    const now = performance.now();
    const current = Math.floor((now - started) / config.tickMs);
    if (current - lastSlot > slotCount) lastSlot = current - slotCount;
    const before = heartbeats;
    for (let s = lastSlot + 1; s <= current; s++) {
      const slot = slots[s % slotCount];
      for (let k = 0; k < slot.length; k++) beat(slot[k], now);
    }
    lastSlot = current;
    if (measuring) batchCounts[Math.min(MAX_BATCH, heartbeats - before)]++;
  }, config.tickMs);

  /** Closes client `i`'s socket without `bye`, as a killed process's kernel would. */
  function kill(i: number): void {
    const socket = sockets[i];
    if (state[i] !== READY || socket === null) return;
    state[i] = CLOSED;
    ready--;
    book?.killed(i, wallNow());
    socket.destroy();
  }

  /** Client `i` sends and reads nothing for `forMs`, then pings at once. */
  function freeze(i: number, forMs: number): void {
    const socket = sockets[i];
    if (state[i] !== READY || socket === null) return;
    frozen[i] = 1;
    // The pong of a ping sent before the freeze would time the freeze.
    awaitingPong[i] = 0;
    socket.pause();
    const thaw = setTimeout(() => {
      timers.delete(thaw);
      frozen[i] = 0;
      if (state[i] !== READY) return;
      socket.resume();
      beat(i, performance.now());
    }, forMs);
    timers.add(thaw);
  }

  const timers = new Set<ReturnType<typeof setTimeout>>();
  function schedule(): void {
    const plan = config.presence;
    if (plan === undefined) return;
    for (const [i, atMs] of plan.kills) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        kill(i);
      }, atMs);
      timers.add(timer);
    }
    for (const [i, atMs, forMs] of plan.freezes) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        freeze(i, forMs);
      }, atMs);
      timers.add(timer);
    }
  }

  function report(): WorkerReport {
    const measureMs = measuring ? performance.now() - measureStart : 0;
    return {
      event: "report",
      target: n,
      ready,
      failed,
      dropped,
      errors: { ...errors },
      frames: { ...frames },
      heartbeats,
      pongs,
      late,
      byes,
      errorFrames,
      measureMs,
      rtt: histogram.toJSON(),
      worstPerSecond: Array.from(worstPerSecond, (ms) => ms ?? 0),
      batches: batchPairs(),
      ...(book === null
        ? {}
        : { presence: book.report((i) => state[i] === READY) }),
    };
  }

  function batchPairs(): [number, number][] {
    const pairs: [number, number][] = [];
    for (let size = 0; size <= MAX_BATCH; size++) {
      if (batchCounts[size] > 0) pairs.push([size, batchCounts[size]]);
    }
    return pairs;
  }

  /** Client `i` closes its connection on purpose (FIN, no `bye`). */
  function churnClose(i: number): void {
    const socket = sockets[i];
    if (state[i] !== READY || socket === null) return;
    cluster!.planClose(i);
    socket.end();
  }

  /** The cluster scenario's commands; `false` for another command. */
  function clusterCommand(command: string, body: string): boolean {
    if (cluster === null) return false;
    switch (command) {
      case "addresses": {
        const local = Array.from(
          sockets,
          (s, i) => state[i] === READY ? s?.localPort ?? 0 : 0,
        );
        emit({ event: "addresses", first: config.firstId, ports: local });
        return true;
      }
      case "watch": {
        const lists = JSON.parse(body) as [number, number[]][];
        let entries = 0;
        for (const [i, frame] of cluster.addWatches(lists)) {
          if (state[i] === READY) sockets[i]?.write(frame);
        }
        for (const [, ids] of lists) entries += ids.length;
        const since = performance.now();
        const check = setInterval(() => {
          const missing = cluster.pendingSnapshots;
          if (missing > 0 && performance.now() - since < SNAPSHOT_WAIT_MS) {
            return;
          }
          clearInterval(check);
          emit({ event: "watched", entries, missing });
        }, 50);
        return true;
      }
      case "churn": {
        const plan = JSON.parse(body) as [number, number, number][];
        for (const [i, closeMs, reopenMs] of plan) {
          const close = setTimeout(() => {
            timers.delete(close);
            churnClose(i);
          }, closeMs);
          const reopen = setTimeout(() => {
            timers.delete(reopen);
            if (!closing && state[i] === CLOSED) open(i);
          }, reopenMs);
          timers.add(close);
          timers.add(reopen);
        }
        emit({ event: "churning", clients: plan.length });
        return true;
      }
      case "silent": {
        const { indices, forMs } = JSON.parse(body) as {
          indices: number[];
          forMs: number;
        };
        cluster.silence(indices, forMs);
        emit({ event: "silenced", clients: indices.length });
        return true;
      }
      case "cluster-report":
        emit({ event: "cluster-report", ...cluster.report() });
        return true;
    }
    return false;
  }

  const bound = setTimeout(() => {
    console.error(
      `Load worker stopped after its bound of ${config.maxSeconds}s`,
    );
    Deno.exit(3);
  }, config.maxSeconds * 1000);

  for await (const line of readLines(Deno.stdin.readable)) {
    const space = line.indexOf(" ");
    const command = (space === -1 ? line : line.slice(0, space)).trim();
    if (clusterCommand(command, space === -1 ? "" : line.slice(space + 1))) {
      continue;
    }
    if (command === "measure") {
      histogram.reset();
      batchCounts.fill(0);
      cluster?.startLogging();
      worstPerSecond = [];
      heartbeats =
        pongs =
        late =
        byes =
        errorFrames =
          0;
      measuring = true;
      measureStart = performance.now();
      book?.reset();
      schedule();
    } else if (command === "report") {
      emit(report());
    } else if (command === "close") {
      break;
    }
  }
  closing = true;
  clearInterval(wheel);
  pacer?.stop();
  for (const timer of timers) clearTimeout(timer);
  for (const timer of retryTimers) clearTimeout(timer);
  for (const socket of sockets) socket?.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  clearTimeout(bound);
  emit({ event: "closed" });
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0] ?? "{}") as WorkerConfig;
  await runWorker(config);
  Deno.exit(0);
}
