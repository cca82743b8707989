import assert from "node:assert/strict";
import { formatLogLine, type LogRecord } from "../../server/_log.ts";

const AT = Date.UTC(2026, 11, 6, 20, 0, 0, 123);
const ADDR = { hostname: "127.0.0.1", port: 4000 };

const RECORDS: LogRecord[] = [
  {
    event: "listening",
    address: ADDR,
    transport: "node",
    transportDetail: "bare handles",
    interval: 5000,
    timeout: 15000,
    tick: 1000,
    maxConnections: null,
  },
  { event: "warning", message: "careful" },
  {
    event: "connect",
    id: "1",
    name: "A",
    protocol: "lifeline",
    remoteAddr: ADDR,
  },
  {
    event: "timeout",
    id: "1",
    name: null,
    remoteAddr: { hostname: "::1", port: 5 },
    silentMs: 15600,
  },
  { event: "disconnect", id: "1", name: "A", reason: "timeout" },
  { event: "disconnect", id: "2", name: "B", reason: "closed" },
  { event: "heartbeat", id: "1", name: "A", seq: 3 },
  { event: "shutdown", signal: "SIGTERM", connections: 2 },
  { event: "log_dropped", dropped: 12 },
  { event: "stopped" },
];

Deno.test("the JSON log gives every record as one object with its time and its fields", () => {
  for (const record of RECORDS) {
    const line = formatLogLine("json", record, AT)!;
    assert.ok(!line.includes("\n"));
    assert.deepEqual(JSON.parse(line), {
      time: "2026-12-06T20:00:00.123Z",
      ...record,
    });
  }
});

Deno.test("the text log gives a sentence per record and leaves out a timeout's disconnect", () => {
  const lines = RECORDS.map((record) => formatLogLine("text", record, AT));
  assert.deepEqual(lines, [
    "2026-12-06T20:00:00.123Z listening on 127.0.0.1:4000 (transport node on bare handles, interval 5s, silence limit 15s, tick 1s, no client limit)",
    "2026-12-06T20:00:00.123Z warning: careful",
    "2026-12-06T20:00:00.123Z connect A from 127.0.0.1:4000 (lifeline, id 1)",
    "2026-12-06T20:00:00.123Z timeout connection 1 (no hello) from [::1]:5: silent for 15.6s",
    null,
    "2026-12-06T20:00:00.123Z disconnect B (closed)",
    "2026-12-06T20:00:00.123Z heartbeat A seq 3",
    "2026-12-06T20:00:00.123Z shutting down (SIGTERM), 2 connections",
    "2026-12-06T20:00:00.123Z log: 12 lines dropped, the log output did not keep up",
    "2026-12-06T20:00:00.123Z stopped",
  ]);
});
