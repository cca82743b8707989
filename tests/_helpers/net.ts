/**
 * A free loopback port for a test's own server (a Redis, a Prometheus, a
 * server CLI), found by listening on port 0 and closing again.
 *
 * @module
 */

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 *
 * @returns The port.
 */
export function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  return port;
}
