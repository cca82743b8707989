// The lab's probe for Node itself (not Deno): `node lab/probe_node.mjs
// --role server|client --host H --port P --idle MS`. Same JSON lines and
// stdin commands as probe.ts. Under Node, socket.setKeepAlive(true, ms) goes
// through libuv, which sets TCP_KEEPIDLE to ms/1000 and also forces
// TCP_KEEPINTVL = 1 s and TCP_KEEPCNT = 10 (libuv ≥ 1.46, Node 20).
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    idle: { type: "string", default: "2000" },
  },
});
if (values.role !== "server" && values.role !== "client") {
  console.error(
    `probe_node: --role: expected "server" or "client", got "${values.role}"`,
  );
  process.exit(2);
}
const idle = Number(values.idle);

function emit(event, extra = {}) {
  console.log(JSON.stringify({ event, t: Date.now(), ...extra }));
}

function attach(socket) {
  socket.setKeepAlive(true, idle);
  emit("connected");
  let reported = false;
  const report = (how) => {
    if (!reported) emit("closed", { how });
    reported = true;
  };
  socket.on("data", (chunk) => emit("data", { bytes: chunk.length }));
  socket.on("end", () => report("EOF"));
  socket.on("error", (error) => report(error.code ?? String(error)));
  socket.on("close", () => {
    report("close");
    process.exit(0);
  });
  let pending = "";
  process.stdin.on("data", (chunk) => {
    pending += chunk.toString();
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const command = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (command === "write") socket.write("x");
      if (command === "exit") process.exit(0);
    }
  });
}

if (values.role === "server") {
  const server = net.createServer((socket) => {
    server.close();
    attach(socket);
  });
  server.listen(Number(values.port), values.host, () => {
    emit("listening", { port: server.address().port });
  });
} else {
  const socket = net.connect({ host: values.host, port: Number(values.port) });
  socket.once("connect", () => attach(socket));
  socket.once("error", (error) => {
    console.error(`probe_node: ${error.message}`);
    process.exit(1);
  });
}
