/**
 * A free loopback port for a benchmark's own server, found by listening on
 * port 0 and closing again.
 *
 * @module
 */

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 *
 * @returns The port.
 *
 * @example
 * ```ts
 * import { freePort } from "./_free_port.ts";
 * console.log(freePort() > 0); // true
 * ```
 */
export function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  return port;
}
