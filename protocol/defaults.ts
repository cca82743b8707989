/**
 * The defaults that the server, the client and their command lines share,
 * written once.
 *
 * @module
 */

/**
 * The address a server listens on and a client connects to by default:
 * loopback, so that nothing is exposed by accident.
 *
 * @example
 * ```ts
 * import { DEFAULT_HOSTNAME } from "@lifeline/lifeline/protocol";
 * console.log(DEFAULT_HOSTNAME); // "127.0.0.1"
 * ```
 */
export const DEFAULT_HOSTNAME = "127.0.0.1";

/**
 * Lifeline's default TCP port.
 *
 * @example
 * ```ts
 * import { DEFAULT_PORT } from "@lifeline/lifeline/protocol";
 * console.log(DEFAULT_PORT); // 9090
 * ```
 */
export const DEFAULT_PORT = 9090;

/**
 * The longest frame either side accepts by default, in bytes.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_FRAME_BYTES } from "@lifeline/lifeline/protocol";
 * console.log(DEFAULT_MAX_FRAME_BYTES); // 65536
 * ```
 */
export const DEFAULT_MAX_FRAME_BYTES = 65_536;
