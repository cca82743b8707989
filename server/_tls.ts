/**
 * The server CLI's TLS: the certificate files read into a TLS transport,
 * and read again on SIGHUP (new connections get the new certificate, open
 * ones keep theirs; a renewal that cannot be used is a warning and changes
 * nothing).
 *
 * @module
 */

import {
  checkTlsCertificate,
  type NodeTlsTransport,
  nodeTlsTransport,
  type TlsCertificate,
} from "../transport/node/tls.ts";
import type { LogRecord } from "./_log.ts";

/** The certificate and key files of `--tls-cert` and `--tls-key`. */
export interface TlsFiles {
  /** The certificate (PEM, with intermediates). */
  certFile: string;
  /** Its private key (PEM). */
  keyFile: string;
}

/**
 * Reads the certificate and key files.
 *
 * @param files The files.
 * @returns Their text.
 * @throws {Error} With one line naming the flag and the file.
 *
 * @example
 * ```ts
 * import { readCertificate } from "./_tls.ts";
 * try {
 *   readCertificate({ certFile: "/nonexistent.pem", keyFile: "/nonexistent.key" });
 * } catch (error) {
 *   console.log((error as Error).message.startsWith('Cannot read --tls-cert "/nonexistent.pem"')); // true
 * }
 * ```
 */
export function readCertificate(files: TlsFiles): TlsCertificate {
  const read = (flag: string, path: string): string => {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      throw new Error(
        `Cannot read ${flag} "${path}": ${(error as Error).message}`,
      );
    }
  };
  return {
    cert: read("--tls-cert", files.certFile),
    key: read("--tls-key", files.keyFile),
  };
}

/**
 * Makes the TLS transport from the files, and reloads them on every
 * SIGHUP, logging `tls_reload` or a `warning`.
 *
 * @param files The files.
 * @param log The CLI's log.
 * @returns The transport.
 * @throws {Error} When the files cannot be read or used.
 *
 * @example
 * ```ts
 * import { tlsFromFiles } from "./_tls.ts";
 * try {
 *   tlsFromFiles({ certFile: "/nonexistent.pem", keyFile: "/nonexistent.key" }, console.log);
 * } catch (error) {
 *   console.log((error as Error).message.startsWith("Cannot read --tls-cert")); // true
 * }
 * ```
 */
export function tlsFromFiles(
  files: TlsFiles,
  log: (record: LogRecord) => void,
): NodeTlsTransport {
  const tls = nodeTlsTransport(readCertificate(files));
  // The listener stays until the process exits, as the others in main.ts.
  Deno.addSignalListener("SIGHUP", () => {
    try {
      const certificate = readCertificate(files);
      const { subject, validTo } = checkTlsCertificate(certificate);
      tls.setCertificate(certificate);
      log({ event: "tls_reload", cert: files.certFile, subject, validTo });
    } catch (error) {
      log({
        event: "warning",
        message: `${
          (error as Error).message
        }; the TLS certificate in use stays`,
      });
    }
  });
  return tls;
}
