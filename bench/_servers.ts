/**
 * The servers the harness can measure: Lifeline with either transport (from
 * this checkout or from another revision's), and the baselines in
 * `bench/baselines/`, each with the command that starts it and how its log
 * tells that it dropped a client for silence.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { Arrivals } from "./_arrivals.ts";
import type { LoadProtocol } from "./_load_types.ts";
import type { Checkout } from "./_revisions.ts";
import {
  isBaselineTimeout,
  isLifelineTimeout,
  neverTimeout,
  type TimeoutLine,
} from "./_server_log.ts";

/** The names accepted by `--servers`. */
export const SERVER_KINDS = [
  "lifeline-deno",
  "lifeline-node",
  "go",
  "go-quiet",
  "naive-deno",
  "bare-deno",
  "bare-node",
  "bare-node-zod",
  "bare-tcp-wrap",
] as const;

/** One of {@link SERVER_KINDS}. */
export type ServerKind = typeof SERVER_KINDS[number];

/** How to start one server for one protocol. */
export interface ServerSpec {
  /** The kind. */
  kind: ServerKind;
  /** The name shown in reports. */
  label: string;
  /** The program and its arguments. */
  argv: string[];
  /**
   * Recognises a log line that reports a client dropped for silence; `null`
   * when the log cannot tell (Lifeline at a revision without
   * `--log-format json`), so the clients' side counts them.
   */
  timeoutLine: TimeoutLine | null;
  /** The directory to run in (a checkout's root), if not this one. */
  cwd?: string;
  /** The revision Lifeline runs at, if not this checkout's. */
  revision?: string;
}

/** Settings every server of a run gets. */
export interface ServerSettings {
  /** Address to listen on. */
  host: string;
  /** Port to listen on. */
  port: number;
  /** Heartbeat interval in ms. */
  intervalMs: number;
  /** Silence after which a client is dropped, in ms. */
  timeoutMs: number;
  /** Lifeline's sweep tick in ms, or undefined for its default. */
  tickMs?: number;
  /** The built Go baseline, if any. */
  goBinary?: string;
  /** Extra V8 flags for the Deno servers, if any. */
  v8Flags?: string;
  /** Write a CPU profile of Lifeline's server into this directory. */
  cpuProfDir?: string;
  /** Start Deno servers with `--inspect` on this port. */
  inspectPort?: number;
  /** Run Lifeline from this checkout of another revision. */
  checkout?: Checkout;
  /** Lifeline's `--suspect-after` in ms, or undefined for its default. */
  suspectAfterMs?: number;
  /**
   * Names each client watches in this measurement (the load generator's
   * side; it shows in the label).
   */
  watch?: number;
  /** How the load's heartbeats arrive (it shows in the label). */
  arrivals?: Arrivals;
}

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The kinds that can serve a protocol (bare servers never answer a hello). */
export const KINDS_BY_PROTOCOL: Record<LoadProtocol, readonly ServerKind[]> = {
  go: SERVER_KINDS,
  lifeline: [
    "lifeline-deno",
    "lifeline-node",
    "naive-deno",
    "bare-node",
    "bare-node-zod",
    "bare-tcp-wrap",
  ],
};

/**
 * Builds the command that starts a server.
 *
 * @param kind Which server.
 * @param protocol The protocol the clients will speak.
 * @param settings Address, port and heartbeat policy.
 * @returns The spec.
 *
 * @example
 * ```ts
 * import { serverSpec } from "./_servers.ts";
 * const spec = serverSpec("bare-node", "go", {
 *   host: "127.0.0.1", port: 9100, intervalMs: 1000, timeoutMs: 5000,
 * });
 * console.log(spec.label); // "bare node:net"
 * ```
 */
export function serverSpec(
  kind: ServerKind,
  protocol: LoadProtocol,
  settings: ServerSettings,
): ServerSpec {
  const spec = baseSpec(kind, protocol, settings);
  return settings.arrivals === "uniform"
    ? { ...spec, label: `${spec.label}, uniform arrivals` }
    : spec;
}

function baseSpec(
  kind: ServerKind,
  protocol: LoadProtocol,
  settings: ServerSettings,
): ServerSpec {
  const checkout = settings.checkout;
  // Lifeline's server: from the checkout of another revision, if any, and
  // with a CPU profile when asked for.
  const lifeline = kind.startsWith("lifeline");
  const profileDir = `${settings.cpuProfDir}/${kind}${
    checkout ? `@${checkout.revision}` : ""
  }`;
  const deno = (script: string, extra: string[] = []): string[] => [
    Deno.execPath(),
    "run",
    "-A",
    ...(settings.v8Flags ? [`--v8-flags=${settings.v8Flags}`] : []),
    ...(lifeline && settings.cpuProfDir
      ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]
      : []),
    ...(settings.inspectPort
      ? [`--inspect=127.0.0.1:${settings.inspectPort}`]
      : []),
    `${lifeline ? checkout?.root ?? ROOT : ROOT}${script}`,
    "--host",
    settings.host,
    "--port",
    String(settings.port),
    ...extra,
  ];
  const baselineFlags = [
    "--timeout",
    `${settings.timeoutMs}ms`,
    "--scan",
    "10s",
  ];
  const baselineTimeout = isBaselineTimeout;
  switch (kind) {
    case "lifeline-deno":
    case "lifeline-node": {
      const transport = kind === "lifeline-deno" ? "deno" : "node";
      const jsonLog = checkout?.jsonLog ?? true;
      const watch = settings.watch ?? 0;
      return {
        kind,
        label: `Lifeline (${transport})${
          checkout ? ` @${checkout.revision}` : ""
        }${watch > 0 ? `, watching ${watch}` : ""}`,
        argv: deno("server/main.ts", [
          "--interval",
          `${settings.intervalMs}ms`,
          "--timeout",
          `${settings.timeoutMs}ms`,
          ...(settings.tickMs ? ["--tick", `${settings.tickMs}ms`] : []),
          ...(settings.suspectAfterMs
            ? ["--suspect-after", `${settings.suspectAfterMs}ms`]
            : []),
          "--transport",
          transport,
          ...(jsonLog ? ["--log-format", "json"] : []),
        ]),
        timeoutLine: jsonLog ? isLifelineTimeout : null,
        ...(checkout
          ? { cwd: checkout.root, revision: checkout.revision }
          : {}),
      };
    }
    case "naive-deno":
      return protocol === "go"
        ? {
          kind,
          label: "naive Deno.listen",
          argv: deno("bench/baselines/naive_deno_server.ts", baselineFlags),
          timeoutLine: baselineTimeout,
        }
        : {
          kind,
          label: "naive Deno.listen (ndjson + pong)",
          argv: deno("bench/baselines/naive_ndjson_server.ts", baselineFlags),
          timeoutLine: baselineTimeout,
        };
    case "bare-deno":
      return {
        kind,
        label: "bare Deno.listen",
        argv: deno("bench/baselines/bare_deno_server.ts"),
        timeoutLine: neverTimeout,
      };
    case "bare-node":
    case "bare-node-zod": {
      const zod = kind === "bare-node-zod";
      return {
        kind,
        label: `bare node:net${protocol === "go" ? "" : " (pong)"}${
          zod ? " + zod loaded" : ""
        }`,
        argv: deno("bench/baselines/bare_node_server.ts", [
          ...(protocol === "go" ? [] : ["--pong"]),
          ...(zod ? ["--with-zod"] : []),
        ]),
        timeoutLine: neverTimeout,
      };
    }
    case "bare-tcp-wrap":
      return {
        kind,
        label: `bare tcp_wrap${protocol === "go" ? "" : " (pong)"}`,
        argv: deno(
          "bench/baselines/bare_tcp_wrap_server.ts",
          protocol === "go" ? [] : ["--pong"],
        ),
        timeoutLine: neverTimeout,
      };
    case "go":
    case "go-quiet":
      if (!settings.goBinary) {
        throw new TypeError('Cannot start the "go" baseline: it is not built');
      }
      return {
        kind,
        label: kind === "go"
          ? "Go (goroutine per conn, logs heartbeats)"
          : "Go (goroutine per conn, quiet)",
        argv: [
          settings.goBinary,
          "-host",
          settings.host,
          "-port",
          String(settings.port),
          "-timeout",
          `${settings.timeoutMs}ms`,
          "-scan",
          "10s",
          // The project's server logs every heartbeat; keep its cost, not its output.
          ...(kind === "go" ? ["-heartbeat-log", "/dev/null"] : []),
        ],
        timeoutLine: baselineTimeout,
      };
  }
}

/**
 * Builds the Go baseline with `go build` into a temporary directory.
 *
 * @param dir Where to put the binary.
 * @returns The binary's path, or `undefined` (with a message on stderr)
 * when `go` is not installed.
 *
 * @example
 * ```ts ignore
 * import { buildGoServer } from "./_servers.ts";
 * const dir = await Deno.makeTempDir({ prefix: "bench_go_" });
 * console.log(await buildGoServer(dir));
 * ```
 */
export async function buildGoServer(dir: string): Promise<string | undefined> {
  const out = `${dir}/go_server`;
  const env: Record<string, string> = {
    GOFLAGS: "-mod=mod",
    GOTOOLCHAIN: "local",
  };
  if (!Deno.env.get("HOME")) {
    env.GOCACHE = `${dir}/cache`;
    env.GOPATH = `${dir}/gopath`;
  }
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("go", {
      args: ["build", "-o", out, "."],
      cwd: `${ROOT}bench/baselines/go_server`,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      console.error('"go" is not installed: skipping the Go baseline');
      return undefined;
    }
    throw error;
  }
  if (!result.success) {
    throw new Error(
      `Cannot build the Go baseline: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  return out;
}
