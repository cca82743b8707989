/**
 * The server's command line for each transport of the matrix
 * (`TRANSPORTS` in `server.ts`), for tests that run `server/main.ts` as a
 * subprocess on all three.
 *
 * @module
 */

import type { TransportCase } from "./server.ts";

/** What to add to the server's command line, and to its environment. */
export interface ServerCliCase {
  /** Flags: `--transport deno` or `--transport node`. */
  args: string[];
  /** `LIFELINE_NO_BARE_HANDLES=1` for node on `net.Socket`. */
  env: Record<string, string>;
}

/**
 * The flags and environment that make the server CLI run a transport of
 * the matrix. The environment also turns off Deno's update check, which
 * would load the CA store and, under a low open-file limit, complain on
 * stderr.
 *
 * @param transport A case of `TRANSPORTS`.
 * @returns Its flags and environment.
 */
export function cliFor(transport: TransportCase): ServerCliCase {
  const env: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  if (transport.name === "deno") return { args: ["--transport", "deno"], env };
  if (transport.detail === "net.Socket") env.LIFELINE_NO_BARE_HANDLES = "1";
  return { args: ["--transport", "node"], env };
}
