/**
 * Baseline: the floor of the layer Lifeline's node transport uses. A
 * `net.Server` listens, and each accepted connection is a bare native TCP
 * handle (the `tcp_wrap` bindings of `transport/node/tcp_wrap.ts`) that
 * reads into one shared buffer and discards what it reads: no `net.Socket`,
 * no parsing, no table. With `--pong` it answers each `hello` with a
 * `welcome` and each `ping` with a `pong`, found with `indexOf`, like
 * `bare_node_server.ts --pong`.
 *
 * ```sh
 * deno run -A bench/baselines/bare_tcp_wrap_server.ts --port 9100 [--pong]
 * ```
 *
 * @module
 */

import { Buffer } from "node:buffer";
import net from "node:net";
import {
  listeningHandleOf,
  loadTcpWrap,
  type TcpHandle,
  type WriteRequest,
} from "../../transport/node/tcp_wrap.ts";
import { exitOnSignal, parseBaselineArgs } from "./_args.ts";

const PING = '{"type":"ping","seq":';
const WELCOME = '{"type":"welcome","id":"0","interval":1000,"timeout":5000}\n';

function noop(): void {}

if (import.meta.main) {
  const pong = Deno.args.includes("--pong");
  const args = parseBaselineArgs(Deno.args.filter((a) => a !== "--pong"));
  const wrap = loadTcpWrap();
  if (wrap === null) {
    console.error("this runtime has no tcp_wrap bindings");
    Deno.exit(1);
  }
  exitOnSignal();
  const buffer = Buffer.alloc(64 * 1024);
  let spare: WriteRequest | null = null;
  const send = (handle: TcpHandle, text: string): void => {
    const req = spare ?? wrap.newWriteRequest();
    spare = null;
    req.handle = handle;
    const status = handle.writeUtf8String(req, text);
    if (status === 0 && wrap.lastWriteWasAsync()) {
      req.oncomplete = noop; // a fresh request next time; this one is busy
    } else {
      spare = req;
    }
  };
  const answer = (handle: TcpHandle, bytes: number): void => {
    const text = buffer.toString("latin1", 0, bytes);
    let start = 0;
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      if (text.startsWith(PING, start)) {
        send(
          handle,
          `{"type":"pong","seq":${
            text.slice(start + PING.length, newline - 1)
          }}\n`,
        );
      } else if (text.startsWith('{"type":"hello"', start)) {
        send(handle, WELCOME);
      }
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
  };
  const onRead = function (this: TcpHandle): void {
    const result = wrap.lastReadResult();
    if (result > 0) {
      if (pong) answer(this, result);
    } else if (result < 0) {
      this.readStop();
      this.close(noop);
    }
  };
  const server = net.createServer(() => {});
  server.listen(args.port, args.host, () => {
    const listening = listeningHandleOf(server);
    if (listening === null) {
      console.error("this runtime's listening handle cannot accept bare");
      Deno.exit(1);
    }
    listening.onconnection = (status: number) => {
      if (status !== 0) return;
      const handle = wrap.newSocketHandle();
      if (listening.accept(handle) !== 0) return handle.close(noop);
      handle.setNoDelay(true);
      handle.onread = onRead;
      handle.useUserBuffer(buffer);
      handle.readStart();
    };
    const address = server.address() as net.AddressInfo;
    console.log(`listening on ${args.host}:${address.port}`);
  });
}
