/**
 * How the doctor reads a running server's policy from its client port: a
 * list of readers, tried in order. Today there is one, the `welcome` a
 * client gets (`_welcome.ts`), which carries the interval and the timeout;
 * a reader that does not apply to an address returns `undefined` so that
 * the next one is tried. The admin endpoint, which also has the tick and
 * the ping rate limit, listens on a port of its own and is read with
 * `--admin` (`_admin_stats.ts`). Internal to `doctor/`.
 *
 * @module
 */

import type { ServerPolicy } from "./_policy.ts";
import {
  readWelcome,
  type ServerAddress,
  type WelcomeOptions,
} from "./_welcome.ts";

/** One way of reading a running server's policy. */
export interface PolicyReader {
  /** Its name, for messages: `welcome`, `admin`. */
  name: string;
  /**
   * Reads the policy, or returns `undefined` when the address is not one
   * this reader speaks to; throws when it should and cannot.
   */
  read(
    address: ServerAddress,
    options: WelcomeOptions,
  ): Promise<ServerPolicy | undefined>;
}

/**
 * The readers, in the order they are tried.
 *
 * @example
 * ```ts
 * import { POLICY_READERS } from "./_policy_readers.ts";
 * console.log(POLICY_READERS.map((r) => r.name)); // [ "welcome" ]
 * ```
 */
export const POLICY_READERS: readonly PolicyReader[] = [
  { name: "welcome", read: readWelcome },
];

/**
 * Reads a running server's policy with the first reader that applies.
 *
 * @param address Where the server listens.
 * @param options The token, the name, the time to wait.
 * @param readers The readers to try, in order.
 * @returns The policy.
 * @throws {Error} When a reader fails (it cannot reach or understand the
 * server), or when none applies.
 *
 * @example A reader that does not apply is skipped
 * ```ts
 * import { readServerPolicy } from "./_policy_readers.ts";
 * import { serverPolicy } from "./_policy.ts";
 * const policy = await readServerPolicy({ hostname: "127.0.0.1", port: 1 }, {}, [
 *   { name: "none", read: () => Promise.resolve(undefined) },
 *   { name: "fixed", read: () => Promise.resolve(serverPolicy(1000, 3000)) },
 * ]);
 * console.log(policy.timeoutMs); // 3000
 * ```
 */
export async function readServerPolicy(
  address: ServerAddress,
  options: WelcomeOptions = {},
  readers: readonly PolicyReader[] = POLICY_READERS,
): Promise<ServerPolicy> {
  for (const reader of readers) {
    const policy = await reader.read(address, options);
    if (policy !== undefined) return policy;
  }
  throw new Error(
    `Cannot read the policy of "${address.hostname}:${address.port}": no reader applies (${
      readers.map((r) => r.name).join(", ")
    })`,
  );
}
