/**
 * The options of `connect()` and `LifelineClient`, and their defaults.
 *
 * @module
 */

import type { Clock, Timers } from "../common/time.ts";
import type { AdaptiveOptions } from "../liveness/adaptive_heartbeat.ts";
import type { BackoffOptions } from "../liveness/backoff.ts";
import type { Dialer, TlsDialOptions } from "../transport/types.ts";

/** How the client reconnects: the backoff plus a limit on attempts. */
export interface ReconnectOptions extends BackoffOptions {
  /**
   * Reconnect attempts in a row (since the last connection that stayed up
   * `resetAfter`) before the client gives up and closes with reason
   * `gave_up`.
   * @default {Infinity}
   */
  maxAttempts?: number;
}

/**
 * What the client accepts from a server. A value out of these bounds is a
 * protocol error: the client disconnects with reason `protocol_error` and
 * reconnects with its backoff, as after a frame it cannot read.
 */
export interface ServerBounds {
  /**
   * The shortest `welcome.interval` accepted, in milliseconds.
   * @default {100}
   */
  minInterval?: number;
  /**
   * The longest `welcome.interval` accepted, in milliseconds.
   * @default {3600000}
   */
  maxInterval?: number;
  /**
   * The longest `welcome.timeout` accepted, in milliseconds (it must also
   * be longer than the interval).
   * @default {3600000}
   */
  maxTimeout?: number;
  /**
   * The longest `bye.retryAfter` accepted, in milliseconds.
   * @default {3600000}
   */
  maxRetryAfter?: number;
  /**
   * Invalid lines (not JSON, not a valid server frame) on one connection
   * before the client closes it; an invalid line never counts as a sign
   * of life.
   * @default {3}
   */
  maxInvalidLines?: number;
}

/** Options for {@link LifelineClient} and {@link connect}. */
export interface ClientOptions {
  /** The client's name: 1 to 64 characters from `A-Z a-z 0-9 _ - .`. */
  name: string;
  /**
   * The token that proves the name to a server started with `--auth jwt`:
   * a JWT whose `sub` is the name. Sent in every `hello`.
   */
  token?: string;
  /**
   * Gets a fresh token: called before a connection when the token expires
   * within its last fifth (or is missing), and on a connection at four
   * fifths of the token's lifetime, whose result is sent as `refresh`.
   */
  refreshToken?: () => string | Promise<string>;
  /**
   * The server's host name or address.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** An alias of `hostname`. */
  host?: string;
  /**
   * The server's port.
   * @default {9090}
   */
  port?: number;
  /** Closes the client (reason `aborted`) when aborted. */
  signal?: AbortSignal;
  /**
   * The reconnect policy, or `false` to close for good when the connection
   * is lost. `true` uses the defaults.
   * @default {true}
   */
  reconnect?: boolean | ReconnectOptions;
  /**
   * Use the adaptive heartbeat interval (see `AdaptiveHeartbeat`) instead
   * of the server's `welcome.interval`. `true` uses Mars' defaults (210 s
   * to 10 min); pass options to scale them.
   * @default {false}
   */
  adaptive?: boolean | AdaptiveOptions;
  /**
   * How long a TCP connect, and then the wait for `welcome`, may each take,
   * in milliseconds.
   * @default {10000}
   */
  connectTimeout?: number;
  /**
   * The longest time between two liveness checks, in milliseconds. The
   * client also checks when a ping is due, when the timeout would expire
   * and before every send.
   * @default {1000}
   */
  tick?: number;
  /**
   * Messages kept while disconnected and sent after the next `welcome`;
   * `send()` throws when the queue is full.
   * @default {100}
   */
  maxQueue?: number;
  /**
   * The longest frame accepted from the server and sent to it, in bytes.
   * @default {65536}
   */
  maxFrameBytes?: number;
  /**
   * The clock, in milliseconds. The default follows monotonic time, so
   * setting the wall clock back never freezes the liveness check, and
   * adopts every forward jump of the wall clock: monotonic time stops while
   * a laptop sleeps, the wall clock does not, so the first check after
   * waking sees how long the server has really been silent.
   * @default {a sleep-aware monotonic clock}
   */
  clock?: Clock;
  /**
   * The timers.
   * @default {globalTimers}
   */
  timers?: Timers;
  /**
   * What the client accepts from a server (see {@link ServerBounds}); the
   * defaults suit any real deployment, tests that run at tens of
   * milliseconds lower `minInterval`.
   * @default {{ minInterval: 100, maxInterval: 3600000, maxTimeout: 3600000, maxRetryAfter: 3600000, maxInvalidLines: 3 }}
   */
  serverBounds?: ServerBounds;
  /**
   * Connect over TLS (`Deno.startTls`): `true` trusts the runtime's store
   * and checks the host's name; `{ caCerts, serverName }` adds the CA that
   * signed the server's certificate (PEM) and sets the name checked.
   * Ignored when `dialer` is given.
   * @default {false}
   */
  tls?: boolean | TlsDialOptions;
  /**
   * How connections are made: `denoDialer()` (`Deno.connect`) or another
   * {@link Dialer} of the transport seam (an in-memory one for tests).
   * @default {denoDialer()}
   */
  dialer?: Dialer;
}
