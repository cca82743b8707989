import assert from "node:assert/strict";
import {
  LAB_PORT,
  lifelineClientCommand,
  lifelineServerCommand,
  lineTime,
} from "../../lab/endpoints.ts";

Deno.test("lineTime() reads a JSON line's t, else its ISO time, else the arrival time", () => {
  assert.equal(
    lineTime({ at: 5, stream: "stdout", text: "{}", json: { t: 42 } }),
    42,
  );
  assert.equal(
    lineTime({
      at: 5,
      stream: "stdout",
      text: "{}",
      json: { time: "1970-01-01T00:00:02.500Z", event: "timeout" },
    }),
    2500,
  );
  // A text line's own stamp is wording, not read.
  assert.equal(
    lineTime({
      at: 5,
      stream: "stdout",
      text: "1970-01-01T00:00:02.500Z timeout A",
    }),
    5,
  );
  assert.equal(lineTime({ at: 5, stream: "stderr", text: "no stamp" }), 5);
});

Deno.test("the lab starts Lifeline's server with its JSON log and the client with --json", () => {
  const server = lifelineServerCommand("10.250.1.2", {
    intervalMs: 1000,
    timeoutMs: 3000,
    tickMs: 250,
  });
  const format = server.indexOf("--log-format");
  assert.ok(format > 0, server.join(" "));
  assert.equal(server[format + 1], "json");
  assert.equal(server[server.indexOf("--port") + 1], String(LAB_PORT));
  const client = lifelineClientCommand("10.250.1.2", "lab", ["--adaptive"]);
  assert.ok(client.includes("--json"), client.join(" "));
  assert.equal(client.at(-1), "--adaptive");
});
