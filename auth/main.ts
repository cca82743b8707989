/**
 * Mints a token: `deno task token --auth-key FILE --name A --ttl 1h`
 * prints a JWT whose `sub` is the name, signed with the HMAC secret or
 * the private key in FILE. A bad flag prints one line on stderr and exits
 * 2; a key that cannot mint exits 1.
 *
 * @module
 */

import { z } from "zod";
import {
  checkedFlag,
  durationFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { errorMessage } from "../common/errors.ts";
import { isValidName, NAME_RULE } from "../protocol/frames.ts";
import { loadAuthKey, mintToken } from "./jwt.ts";

/** The usage text printed by `--help`. */
export const USAGE: string =
  `Usage: deno task token --auth-key FILE --name NAME [--ttl DURATION]

Prints a JWT for a Lifeline server started with --auth jwt: its "sub" is the
name, it expires after the TTL. FILE holds an HMAC secret (at least 32 bytes:
the server uses the same file) or a PEM private key (the server gets the public
key, its certificate or a JWKS).

Options:
  --auth-key FILE   the secret or the private key
  --name NAME       the client name the token proves
  --ttl DURATION    how long it is valid (default 1h)
  -h, --help        show this help`;

const schema = z.object({
  help: z.boolean(),
  "auth-key": z.string().min(1, '--auth-key: Cannot use "": expected a file')
    .optional(),
  name: checkedFlag("name", isValidName, NAME_RULE).optional(),
  ttl: durationFlag("ttl", { min: 1000 }),
});

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    help: { type: "boolean", short: "h", default: false },
    "auth-key": { type: "string" },
    name: { type: "string" },
    ttl: { type: "string", default: "1h" },
  });
  const v = validateFlags(schema, values);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  if (v["auth-key"] === undefined) {
    throw new UsageError(
      "Missing --auth-key: the secret or private key to sign with",
    );
  }
  if (v.name === undefined) {
    throw new UsageError("Missing --name: the client name the token proves");
  }
  try {
    const key = await loadAuthKey(v["auth-key"]);
    console.log(await mintToken(key, { name: v.name, ttlMs: v.ttl }));
    return 0;
  } catch (error) {
    console.error(`token: ${errorMessage(error)}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await runCli("token", main, Deno.args));
}
