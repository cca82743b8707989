/**
 * Reads a running server's whole policy from its admin endpoint's `/stats`
 * (`deno task server --admin HOST:PORT`): the interval and the timeout, and
 * what a `welcome` does not carry, the sweep tick and the ping rate limit.
 * Internal to `doctor/`.
 *
 * @module
 */

import { z } from "zod";
import { errorMessage } from "../common/errors.ts";
import type { ServerPolicy } from "./_policy.ts";
import type { ServerAddress } from "./_welcome.ts";

/** Options of {@linkcode readAdminPolicy}. */
export interface AdminReadOptions {
  /** The admin endpoint's bearer token (`--admin-token`), if it has one. */
  token?: string;
  /**
   * How long to wait for the answer, in milliseconds.
   *
   * @default {5000}
   */
  timeoutMs?: number;
}

const positive = z.number().positive().finite();

const statsSchema = z.object({
  server: z.object({
    interval: positive,
    timeout: positive,
    tick: positive,
    minPingInterval: z.number().min(0).finite(),
    maxPingStrikes: z.number().int().min(0),
  }),
});

/**
 * Reads the policy from `http://HOST:PORT/stats`.
 *
 * @param address The admin endpoint.
 * @param options The token, the time to wait.
 * @returns The policy, nothing assumed.
 * @throws {Error} When the endpoint cannot be reached, refuses the token or
 * does not answer like Lifeline's admin endpoint.
 *
 * @example A refused port gives one clear error
 * ```ts
 * import { readAdminPolicy } from "./_admin_stats.ts";
 * const error = await readAdminPolicy({ hostname: "127.0.0.1", port: 1 }).catch((e) => e);
 * console.log(error.message.startsWith("Cannot read http://127.0.0.1:1/stats")); // true
 * ```
 */
export async function readAdminPolicy(
  address: ServerAddress,
  options: AdminReadOptions = {},
): Promise<ServerPolicy> {
  const host = address.hostname.includes(":")
    ? `[${address.hostname}]`
    : address.hostname;
  const url = `http://${host}:${address.port}/stats`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: options.token === undefined
        ? {}
        : { authorization: `Bearer ${options.token}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (error) {
    throw new Error(`Cannot read ${url}: ${errorMessage(error)}`);
  }
  if (response.status === 401) {
    await response.body?.cancel();
    throw new Error(
      `Cannot read ${url}: the admin endpoint wants a token (--admin-token)`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Cannot read ${url}: HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new Error(`Cannot read ${url}: the answer is not JSON`);
  }
  const parsed = statsSchema.safeParse(body);
  if (!parsed.success) {
    throw new Error(
      `Cannot read ${url}: not a Lifeline admin endpoint of this version (no interval, timeout, tick and ping limits)`,
    );
  }
  const s = parsed.data.server;
  return {
    intervalMs: s.interval,
    timeoutMs: s.timeout,
    tickMs: s.tick,
    minPingIntervalMs: s.minPingInterval,
    maxPingStrikes: s.maxPingStrikes,
    source: `the admin endpoint at ${address.hostname}:${address.port}`,
    assumed: [],
  };
}
