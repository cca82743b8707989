/**
 * Atomic, durable file replacement and an advisory lock, for writing
 * configuration that must never be left half-written.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/** A point in {@linkcode writeFileAtomic} that a test or tracer can observe. */
export type AtomicWriteStep = "temp-written" | "temp-synced" | "renamed";

/** Options of {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * The mode of a file that does not exist yet (an existing file keeps its
   * mode, owner and group).
   *
   * @default {0o644}
   */
  mode?: number;
  /**
   * Called at each step; if it throws, the write is abandoned at that point
   * exactly as if the step had failed. For tests and tracing.
   *
   * @default {undefined}
   */
  onStep?: (step: AtomicWriteStep) => void | Promise<void>;
}

/**
 * Replaces a file atomically and durably: the new content goes to a
 * temporary file in the same directory, which takes the original's mode and
 * owner, is fsynced and renamed over the original; then the directory is
 * fsynced. A crash at any moment leaves the old file or the new one. Pass
 * the real path: a symlink at `path` would be replaced, not followed.
 *
 * @param path The file to replace or create (not a symlink).
 * @param data The new content.
 * @param options The mode for new files and a step hook.
 * @returns Nothing; resolves once the new content is durable.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@lifeline/lifeline/sysctl";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/60-keepalive.conf`, "net.ipv4.tcp_keepalive_time = 60\n");
 * console.log(await Deno.readTextFile(`${dir}/60-keepalive.conf`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  let original: Deno.FileInfo | undefined;
  try {
    original = await Deno.stat(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const dir = dirname(path);
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  const temp = join(dir, `.${basename(path)}.${Deno.pid}.${random}.tmp`);
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  let renamed = false;
  const file = await Deno.open(temp, {
    write: true,
    createNew: true,
    mode: 0o600,
  });
  try {
    try {
      let written = 0;
      while (written < bytes.length) {
        written += await file.write(bytes.subarray(written));
      }
      await options.onStep?.("temp-written");
      if (original !== undefined) {
        if (original.uid !== null && original.gid !== null) {
          if (original.uid !== Deno.uid() || original.gid !== Deno.gid()) {
            await Deno.chown(temp, original.uid, original.gid);
          }
        }
        await Deno.chmod(temp, (original.mode ?? 0o644) & 0o7777);
      } else {
        await Deno.chmod(temp, options.mode ?? 0o644);
      }
      await file.sync();
      await options.onStep?.("temp-synced");
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
    await options.onStep?.("renamed");
  } catch (error) {
    if (!renamed) await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Fsyncs a directory so that a rename or unlink in it survives a crash.
 *
 * @param dir The directory.
 * @returns Nothing; resolves once the directory entry is durable.
 *
 * @example
 * ```ts
 * import { syncDirectory } from "@lifeline/lifeline/sysctl";
 * await syncDirectory(Deno.cwd());
 * ```
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Options of {@linkcode withFileLock}. */
export interface LockOptions {
  /**
   * Called once when the lock is not free after `waitNoticeMs`: another
   * holder has it and this call is waiting.
   *
   * @default {undefined}
   */
  onWait?: () => void;
  /**
   * How long to wait before calling `onWait`, in milliseconds.
   *
   * @default {200}
   */
  waitNoticeMs?: number;
}

/**
 * Runs a function while holding an exclusive `flock(2)` on a lock file, so
 * that two processes (or two calls in one process) cannot interleave. Waits
 * for the lock when another holder has it.
 *
 * @param lockPath The lock file; created if missing, never removed.
 * @param fn The work to do under the lock.
 * @param options A notice for when the lock is busy.
 * @returns What `fn` returns.
 *
 * @example
 * ```ts
 * import { withFileLock } from "@lifeline/lifeline/sysctl";
 * const dir = await Deno.makeTempDir();
 * console.log(await withFileLock(`${dir}/lock`, () => Promise.resolve(42))); // 42
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const file = await Deno.open(lockPath, {
    read: true,
    write: true,
    create: true,
    mode: 0o600,
  });
  try {
    const timer = options.onWait === undefined
      ? undefined
      : setTimeout(options.onWait, options.waitNoticeMs ?? 200);
    try {
      await file.lock(true);
    } finally {
      clearTimeout(timer);
    }
    return await fn();
  } finally {
    file.close();
  }
}
