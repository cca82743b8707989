/**
 * Reads and writes the keepalive values the kernel uses now, in the current
 * network namespace, through `/proc/sys`.
 *
 * @module
 */

import { join } from "node:path";
import type { KernelInfo } from "./kernel_value.ts";
import {
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveField,
  type KeepaliveSettings,
} from "./keepalive.ts";

/** Options of the runtime functions. */
export interface RuntimeOptions {
  /**
   * Where procfs is mounted; tests point it at a temporary directory.
   *
   * @default {"/proc"}
   */
  procDir?: string;
}

/** The network namespace the process runs in. */
export interface NamespaceInfo {
  /** The namespace as `/proc/self/ns/net` names it (`net:[4026531833]`), if readable. */
  id?: string;
  /**
   * Whether it is the host's (initial) namespace: `true`, `false`, or
   * `undefined` when it cannot be told.
   */
  initial?: boolean;
}

/** The inode of the initial network namespace since Linux 6.18 (`PROC_NET_INIT_INO`). */
const INIT_NET_INODE = 0xEFFFFFF9;

/**
 * Returns the `/proc/sys` file of a keepalive setting.
 *
 * @param field `"time"`, `"intvl"` or `"probes"`.
 * @param options Where procfs is mounted.
 * @returns The path, such as `/proc/sys/net/ipv4/tcp_keepalive_time`.
 *
 * @example
 * ```ts
 * import { runtimePath } from "@lifeline/lifeline/sysctl";
 * console.log(runtimePath("probes")); // "/proc/sys/net/ipv4/tcp_keepalive_probes"
 * ```
 */
export function runtimePath(
  field: KeepaliveField,
  options: RuntimeOptions = {},
): string {
  return join(
    options.procDir ?? "/proc",
    "sys",
    ...KEEPALIVE_KEYS[field].split("."),
  );
}

/**
 * Reads the three keepalive values of the current network namespace.
 *
 * @param options Where procfs is mounted.
 * @returns The values the kernel uses now.
 * @throws {SyntaxError} When a file does not hold an integer.
 *
 * @example Read this namespace's values
 * ```ts
 * import { readRuntime } from "@lifeline/lifeline/sysctl";
 * const values = await readRuntime(); // e.g. { time: 7200, intvl: 75, probes: 9 }
 * console.log(values.time >= 1 && values.probes >= 1); // true
 * ```
 */
export async function readRuntime(
  options: RuntimeOptions = {},
): Promise<KeepaliveSettings> {
  const values = {} as KeepaliveSettings;
  for (const field of KEEPALIVE_FIELDS) {
    const path = runtimePath(field, options);
    const text = (await Deno.readTextFile(path)).trim();
    if (!/^-?\d+$/.test(text)) {
      throw new SyntaxError(
        `Cannot read ${
          KEEPALIVE_KEYS[field]
        }: "${text}" in ${path} is not an integer`,
      );
    }
    values[field] = Number(text);
  }
  return values;
}

/**
 * Writes one keepalive value to the kernel and reads it back.
 *
 * @param field `"time"`, `"intvl"` or `"probes"`.
 * @param value The value to set.
 * @param options Where procfs is mounted.
 * @returns Nothing; resolves once the value reads back as written.
 * @throws {Error} When the write fails or the value reads back differently.
 *
 * @example Write to a stand-in procfs (the real one needs root)
 * ```ts
 * import { runtimePath, writeRuntimeValue } from "@lifeline/lifeline/sysctl";
 * const procDir = await Deno.makeTempDir();
 * const path = runtimePath("time", { procDir });
 * await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
 * await Deno.writeTextFile(path, "7200\n");
 * await writeRuntimeValue("time", 600, { procDir });
 * console.log(await Deno.readTextFile(path)); // "600\n"
 * await Deno.remove(procDir, { recursive: true });
 * ```
 */
export async function writeRuntimeValue(
  field: KeepaliveField,
  value: number,
  options: RuntimeOptions = {},
): Promise<void> {
  const path = runtimePath(field, options);
  const key = KEEPALIVE_KEYS[field];
  try {
    const file = await Deno.open(path, { write: true, truncate: true });
    try {
      const bytes = new TextEncoder().encode(`${value}\n`);
      let written = 0;
      while (written < bytes.length) {
        written += await file.write(bytes.subarray(written));
      }
    } finally {
      file.close();
    }
  } catch (error) {
    throw new Error(
      `Cannot set ${key} to "${value}": ${(error as Error).message}`,
    );
  }
  const back = (await Deno.readTextFile(path)).trim();
  if (back !== String(value)) {
    throw new Error(
      `Cannot set ${key} to "${value}": it reads back as "${back}"`,
    );
  }
}

/**
 * Tells which network namespace the process is in and whether it is the
 * host's. Namespaces (containers) start with the kernel defaults and do not
 * inherit the host's values.
 *
 * @param options Where procfs is mounted.
 * @returns The namespace's name and whether it is the initial one.
 *
 * @example Name this process's network namespace
 * ```ts
 * import { networkNamespace } from "@lifeline/lifeline/sysctl";
 * const ns = await networkNamespace(); // e.g. { id: "net:[4026531833]", initial: true }
 * console.log(ns.id?.startsWith("net:[")); // true
 * ```
 */
export async function networkNamespace(
  options: RuntimeOptions = {},
): Promise<NamespaceInfo> {
  const procDir = options.procDir ?? "/proc";
  const read = async (path: string) => {
    try {
      return await Deno.readLink(join(procDir, path));
    } catch {
      return undefined;
    }
  };
  const id = await read("self/ns/net");
  if (id === undefined) return {};
  const inode = Number(/\[(\d+)\]/.exec(id)?.[1]);
  if (inode === INIT_NET_INODE) return { id, initial: true };
  const init = await read("1/ns/net");
  if (init !== undefined && init !== id) return { id, initial: false };
  // Since Linux 6.18 the initial namespace always has INIT_NET_INODE, so any
  // other inode is a namespace of its own; before, inodes said nothing.
  try {
    const release = await Deno.readTextFile(
      join(procDir, "sys/kernel/osrelease"),
    );
    const [major, minor] = release.split(".").map((part) => parseInt(part));
    if (major > 6 || (major === 6 && minor >= 18)) {
      return { id, initial: false };
    }
  } catch {
    // No kernel release to go by.
  }
  return { id };
}

async function kernelConfig(
  procDir: string,
  release: string | undefined,
): Promise<string | undefined> {
  try {
    const packed = await Deno.readFile(join(procDir, "config.gz"));
    const stream = new Blob([packed]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    return await new Response(stream).text();
  } catch {
    // No /proc/config.gz (CONFIG_IKCONFIG_PROC); try the distribution's copy.
  }
  if (release === undefined) return undefined;
  try {
    return await Deno.readTextFile(`/boot/config-${release}`);
  } catch {
    return undefined;
  }
}

/**
 * Finds the running kernel's release and timer frequency (`CONFIG_HZ`, from
 * `/proc/config.gz` or `/boot/config-<release>`), which decide which
 * keepalive values it accepts. What cannot be found is left out.
 *
 * @param options Where procfs is mounted.
 * @returns The release and `hz`, as far as they are known.
 *
 * @example
 * ```ts
 * import { readKernelInfo } from "@lifeline/lifeline/sysctl";
 * const kernel = await readKernelInfo(); // e.g. { release: "6.1.0-18-amd64", hz: 250 }
 * console.log(kernel.hz === undefined || kernel.hz >= 100); // true
 * ```
 */
export async function readKernelInfo(
  options: RuntimeOptions = {},
): Promise<KernelInfo> {
  const procDir = options.procDir ?? "/proc";
  let release: string | undefined;
  try {
    release = (await Deno.readTextFile(
      join(procDir, "sys/kernel/osrelease"),
    )).trim();
  } catch {
    release = undefined;
  }
  const config = await kernelConfig(procDir, release);
  const hz = Number(/^CONFIG_HZ=(\d+)$/m.exec(config ?? "")?.[1]);
  return {
    ...(release !== undefined ? { release } : {}),
    ...(hz > 0 ? { hz } : {}),
  };
}
