/**
 * The `--cluster` URL: `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`.
 *
 * @module
 */

/** Where the Redis server is and how to log in. */
export interface RedisLocation {
  /** The host. */
  host: string;
  /** The port. */
  port: number;
  /** The database number. */
  db: number;
  /** The user (ACL), if any. */
  username?: string;
  /** The password, if any. */
  password?: string;
}

/**
 * Parses a cluster URL.
 *
 * @param url The URL.
 * @returns Where Redis is.
 * @throws {SyntaxError} For anything but a `redis://` URL with a host.
 * @throws {RangeError} For a port or database out of range.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "@lifeline/lifeline/cluster";
 * console.log(parseRedisUrl("redis://127.0.0.1:6380/2")); // { host: "127.0.0.1", port: 6380, db: 2 }
 * ```
 */
export function parseRedisUrl(url: string): RedisLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyntaxError(
      `Cannot parse cluster URL ${
        JSON.stringify(url)
      }: expected redis://HOST:PORT[/DB]`,
    );
  }
  if (parsed.protocol !== "redis:" || parsed.hostname === "") {
    throw new SyntaxError(
      `Cannot use cluster URL ${
        JSON.stringify(url)
      }: expected redis://HOST:PORT[/DB]`,
    );
  }
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot use cluster port ${
        JSON.stringify(parsed.port)
      }: expected an integer from 1 to 65535`,
    );
  }
  const path = parsed.pathname.replace(/^\//, "");
  const db = path === "" ? 0 : Number(path);
  if (!/^\d*$/.test(path) || !Number.isInteger(db) || db < 0 || db > 15) {
    throw new RangeError(
      `Cannot use cluster database ${
        JSON.stringify(path)
      }: expected an integer from 0 to 15`,
    );
  }
  const location: RedisLocation = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    db,
  };
  if (parsed.username !== "") {
    location.username = decodeURIComponent(parsed.username);
  }
  if (parsed.password !== "") {
    location.password = decodeURIComponent(parsed.password);
  }
  return location;
}

/**
 * The URL without its password, for messages.
 *
 * @param location Where Redis is.
 * @returns `redis://host:port/db`.
 *
 * @example
 * ```ts
 * import { describeRedis, parseRedisUrl } from "@lifeline/lifeline/cluster";
 * console.log(describeRedis(parseRedisUrl("redis://:secret@127.0.0.1:6380"))); // "redis://127.0.0.1:6380/0"
 * ```
 */
export function describeRedis(location: RedisLocation): string {
  const host = location.host.includes(":")
    ? `[${location.host}]`
    : location.host;
  return `redis://${host}:${location.port}/${location.db}`;
}
