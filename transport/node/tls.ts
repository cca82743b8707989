/**
 * The TLS transport: `node:tls` on the node transport's `net.Socket`
 * connections. It is `node:tls` rather than `Deno.listenTls` because a
 * certificate must be replaceable while the server runs without dropping a
 * connection: `tls.Server.setSecureContext()` gives every new connection
 * the new certificate and leaves the open ones alone, whereas a
 * `Deno.listenTls` listener keeps its certificate for life (its SNI
 * resolver, an unstable internal, caches each name's first answer), and
 * swapping listeners resets the connections queued on the old one.
 *
 * @module
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:tls";
import { connectionsThatFit } from "../_open_file_limit.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Transport,
  type TransportListener,
  type TransportListenOptions,
} from "../types.ts";
import type { Shared } from "./_conn_base.ts";
import { LISTEN_BACKLOG } from "./_keep_accepting.ts";
import { NodeListener } from "./_listener.ts";
import { acceptSockets } from "./_socket_conn.ts";

/** A certificate (chain) and its private key, both PEM. */
export interface TlsCertificate {
  /** The certificate, then any intermediates, PEM. */
  cert: string;
  /** The certificate's private key, PEM. */
  key: string;
}

/** Options for {@link nodeTlsTransport}. */
export interface NodeTlsTransportOptions extends TlsCertificate {
  /**
   * How long a client may take over its TLS handshake before it is cut, in
   * milliseconds. A connection in its handshake is not a session yet and
   * counts toward no limit but the open-file limit.
   * @default {10000}
   */
  handshakeTimeoutMs?: number;
  /**
   * Idle time before the first TCP keepalive probe, in milliseconds; `0`
   * keeps the system default.
   * @default {0}
   */
  keepAliveInitialDelayMs?: number;
}

/** The TLS transport: a {@link Transport} whose certificate can be replaced. */
export interface NodeTlsTransport extends Transport {
  /**
   * Replaces the certificate: connections accepted from now on get the new
   * one; open connections keep theirs, and their sessions.
   *
   * @param certificate The new certificate and key, PEM.
   * @throws {TypeError} When the certificate or the key cannot be read, or
   * the key is not the certificate's; the old certificate stays.
   */
  setCertificate(certificate: TlsCertificate): void;
}

/**
 * Checks a certificate and its key: both parse, and the key is the
 * certificate's (`node:tls` would only find out at the first handshake).
 *
 * @param certificate The certificate and key, PEM.
 * @returns The certificate's subject and expiry, for logs.
 * @throws {TypeError} When they do not fit.
 *
 * @example
 * ```ts
 * import { checkTlsCertificate } from "@lifeline/lifeline/transport";
 * try {
 *   checkTlsCertificate({ cert: "not a certificate", key: "" });
 * } catch (error) {
 *   console.log((error as Error).message.startsWith("Cannot read the TLS certificate")); // true
 * }
 * ```
 */
export function checkTlsCertificate(
  certificate: TlsCertificate,
): { subject: string; validTo: string } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certificate.cert);
  } catch (error) {
    throw new TypeError(
      `Cannot read the TLS certificate: expected PEM ("-----BEGIN CERTIFICATE-----") (${
        (error as Error).message
      })`,
    );
  }
  let key;
  try {
    key = createPrivateKey(certificate.key);
  } catch (error) {
    throw new TypeError(
      `Cannot read the TLS private key: expected PEM ("-----BEGIN PRIVATE KEY-----") (${
        (error as Error).message
      })`,
    );
  }
  if (!x509.checkPrivateKey(key)) {
    throw new TypeError(
      `Cannot use the TLS private key with the certificate "${x509.subject}": it is not that certificate's key`,
    );
  }
  return { subject: x509.subject, validTo: x509.validTo };
}

/**
 * Creates the TLS transport: `tls.Server`, each connection a `tls.TLSSocket`
 * served once its handshake is done, with TCP keepalive and no-delay.
 *
 * @param options The certificate, its key, the handshake timeout.
 * @returns The transport.
 * @throws {TypeError} When the certificate or key cannot be used.
 *
 * @example Listen with a self-signed certificate, replace it, close
 * ```ts
 * import { nodeTlsTransport } from "@lifeline/lifeline/transport";
 * // A certificate for 127.0.0.1, made with openssl for the example.
 * const dir = await Deno.makeTempDir();
 * await new Deno.Command("openssl", {
 *   args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
 *     "-nodes", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "1",
 *     "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
 *   stderr: "null",
 * }).output();
 * const read = () => ({
 *   cert: Deno.readTextFileSync(`${dir}/cert.pem`),
 *   key: Deno.readTextFileSync(`${dir}/key.pem`),
 * });
 * const transport = nodeTlsTransport(read());
 * const listener = await transport.listen(
 *   { hostname: "127.0.0.1", port: 0 },
 *   { open: () => null, data: () => {}, closed: () => {} },
 * );
 * console.log(listener.info.detail, listener.info.tls); // "net.Socket with TLS" true
 * transport.setCertificate(read()); // on SIGHUP: the files read again
 * await listener.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function nodeTlsTransport(
  options: NodeTlsTransportOptions,
): NodeTlsTransport {
  checkTlsCertificate(options);
  let certificate: TlsCertificate = { cert: options.cert, key: options.key };
  const handshakeTimeout = options.handshakeTimeoutMs ?? 10_000;
  const keepAliveDelay = options.keepAliveInitialDelayMs ?? 0;
  const servers = new Set<Server>();
  return {
    name: "node",
    listen<S>(
      listenOptions: TransportListenOptions,
      handler: ConnectionHandler<S>,
    ): Promise<TransportListener> {
      const shared: Shared = {
        handler: handler as ConnectionHandler<unknown>,
        maxWrite: listenOptions.maxWriteBufferBytes ??
          DEFAULT_MAX_WRITE_BUFFER_BYTES,
      };
      const server = createServer({ ...certificate, handshakeTimeout });
      // A failed handshake (no trust, wrong name, not TLS at all) only
      // ends that socket; it is not a session and not an error here.
      server.on("tlsClientError", () => {});
      acceptSockets(server, shared, keepAliveDelay, true);
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(
          {
            host: listenOptions.hostname,
            port: listenOptions.port,
            reusePort: listenOptions.reusePort === true,
            backlog: LISTEN_BACKLOG,
          },
          () => {
            server.off("error", reject);
            servers.add(server);
            server.once("close", () => servers.delete(server));
            resolve(
              new NodeListener(server, {
                name: "node",
                detail: "net.Socket with TLS",
                tls: true,
                connectionLimit: connectionsThatFit(),
              }),
            );
          },
        );
      });
    },
    setCertificate(next: TlsCertificate): void {
      checkTlsCertificate(next);
      certificate = { cert: next.cert, key: next.key };
      for (const server of servers) server.setSecureContext(certificate);
    },
  };
}
