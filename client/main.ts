/**
 * The Lifeline client on the command line:
 * `deno task client -n B [--host 127.0.0.1] [--port 9090] [--adaptive] [--json]`.
 *
 * Each line on stdin is sent as a message (`@A text` goes to A only);
 * `/watch NAME` and `/unwatch NAME` change the watch list (`--watch A,B`
 * sets the first one).
 * Messages, presence changes, reconnects and errors are printed one per line
 * with a timestamp (or as JSON lines with `--json`). Ctrl-C, SIGTERM and the
 * end of stdin close the client cleanly (exit 0). Bad flags: one line on
 * stderr, exit 2. See `docs/client.md`.
 *
 * @module
 */

import { LifelineClient } from "./client.ts";
import { type ClientCli, parseClientArgs, USAGE } from "./_cli.ts";
import { EVENT_TYPES, formatJson, formatText } from "./_format.ts";
import { runCli } from "../common/cli.ts";
import { errorMessage } from "../common/errors.ts";

const DIRECT = /^@([A-Za-z0-9_.-]{1,64})\s(.*)$/;
const WATCH = /^\/(watch|unwatch)\s+(.+)$/;

async function run(cli: ClientCli): Promise<number> {
  const client = new LifelineClient(cli.options);
  const print = (type: string, detail: unknown): void => {
    const at = Date.now();
    console.log(
      cli.json ? formatJson(type, detail, at) : formatText(
        type as (typeof EVENT_TYPES)[number] | "queued",
        detail,
        at,
      ),
    );
  };
  for (const type of EVENT_TYPES) {
    client.addEventListener(type, (event: CustomEvent) => {
      if (!cli.verbose) {
        if (type === "pong" || type === "open") return;
        if (type === "adaptive") {
          const step = event.detail as { result: string; change: string };
          if (step.change === "none" && step.result !== "failure") return;
        }
      }
      print(type, event.detail);
    });
  }

  // The listeners stay until the process exits: removing the last SIGINT
  // listener while the signal is still being handled let Deno's default
  // handler end the process with 130 instead of our clean 0 (seen under load).
  const stop = () => void client.close();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  if (cli.watch.length > 0) client.watch(cli.watch);

  if (!cli.noStdin) {
    readLines((line) => {
      const direct = DIRECT.exec(line);
      const watch = WATCH.exec(line.trim());
      try {
        if (watch !== null) {
          const names = watch[2].split(/[\s,]+/).filter((n) => n !== "");
          if (watch[1] === "watch") client.watch(names);
          else client.unwatch(names);
          return;
        }
        const outcome = direct
          ? client.send(direct[2], direct[1])
          : client.send(line);
        if (outcome === "queued") {
          print("queued", { body: line, queued: client.queued });
        }
      } catch (error) {
        print("error", {
          source: "client",
          code: "send_failed",
          message: errorMessage(error),
        });
      }
    }).then(stop, stop);
  }

  const detail = await client.closed;
  return detail.reason === "closed" || detail.reason === "aborted" ? 0 : 1;
}

async function readLines(onLine: (line: string) => void): Promise<void> {
  let pending = "";
  const decoder = new TextDecoder();
  for await (const chunk of Deno.stdin.readable) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      const line = pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      if (line.trim() !== "") onLine(line);
      newline = pending.indexOf("\n");
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== "") onLine(pending);
}

async function main(args: string[]): Promise<number> {
  const cli = parseClientArgs(args);
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  return await run(cli);
}

if (import.meta.main) {
  Deno.exit(await runCli("client", main, Deno.args));
}
