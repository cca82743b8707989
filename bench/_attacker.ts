/**
 * The attacker: one attack of the attack benchmark against one server, in
 * a process of its own so that its loops never slow the witnesses down.
 * `bench/attacks.ts` starts it; it prints its outcome as one JSON line.
 *
 * ```sh
 * deno run -A bench/_attacker.ts --attack unknown-frames --port 9090 --duration 10s
 * ```
 *
 * @module
 */

import { z } from "zod";
import { mintToken, parseAuthKey } from "../auth/mod.ts";
import {
  byteSizeFlag,
  choiceFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  validateFlags,
} from "../common/cli.ts";
import { acceptBurst, slowHeaders } from "./_attack_connections.ts";
import {
  afterBye,
  errorEcho,
  oversize,
  unknownFrames,
} from "./_attack_frames.ts";
import { SERVER_ATTACKS, type ServerAttackName } from "./_attack_list.ts";
import { logChurn } from "./_attack_log.ts";
import { broadcastFlood, slowReader } from "./_attack_messages.ts";
import { nameTakeover } from "./_attack_names.ts";
import type { Attack, AttackContext } from "./_attack_types.ts";

/** Each attack on a server, by name. */
const ATTACKS: Record<ServerAttackName, Attack> = {
  "accept-burst": acceptBurst,
  "name-takeover": nameTakeover,
  "broadcast-flood": broadcastFlood,
  "unknown-frames": unknownFrames,
  "error-echo": errorEcho,
  "blocked-log": logChurn,
  "slow-reader": slowReader,
  "after-bye": afterBye,
  "slow-headers": slowHeaders,
  oversize,
};

const schema = z.object({
  attack: choiceFlag("attack", SERVER_ATTACKS),
  port: integerFlag("port", 1, 65535),
  duration: durationFlag("duration"),
  "max-bytes": byteSizeFlag("max-bytes", 1, 2 ** 40),
  "message-bytes": byteSizeFlag("message-bytes", 1, 65_000),
  secret: z.string().optional(),
});

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    attack: { type: "string" },
    port: { type: "string" },
    duration: { type: "string", default: "10s" },
    "max-bytes": { type: "string", default: "4096MiB" },
    "message-bytes": { type: "string", default: "10KiB" },
    secret: { type: "string" },
  });
  const flags = validateFlags(schema, values);
  const context: AttackContext = {
    hostname: "127.0.0.1",
    port: flags.port,
    durationMs: flags.duration,
    maxBytes: flags["max-bytes"],
    messageBytes: flags["message-bytes"],
  };
  if (flags.secret !== undefined) {
    const key = parseAuthKey(await Deno.readTextFile(flags.secret));
    context.token = (name) => mintToken(key, { name, ttlMs: 3_600_000 });
  }
  const outcome = await ATTACKS[flags.attack](context);
  console.log(JSON.stringify(outcome));
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("attacker", main, Deno.args));
}
