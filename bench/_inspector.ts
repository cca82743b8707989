/**
 * Takes a V8 heap snapshot of a Deno process started with `--inspect`, over
 * the Chrome DevTools Protocol, and summarises it: which constructors hold
 * how many objects and bytes. The harness uses it to see what a connection
 * costs on the JavaScript heap.
 *
 * @module
 */

/** One line of a heap summary. */
export interface HeapClass {
  /** The constructor or node name (`(closure)`, `Socket`, ...). */
  name: string;
  /** How many objects. */
  count: number;
  /** Their shallow size in bytes. */
  selfBytes: number;
}

/** One of V8's heap spaces, as `node:v8` `getHeapSpaceStatistics()` reports it. */
export interface HeapSpace {
  /** `new_space`, `old_space`, `large_object_space`, ... */
  name: string;
  /** Memory the space holds from the system, in bytes. */
  physicalBytes: number;
  /** Bytes in use by objects. */
  usedBytes: number;
}

/** What a snapshot showed. */
export interface HeapSummary {
  /** V8's heap spaces just before the snapshot's full GC (empty when read
   * from a file). */
  spaces: HeapSpace[];
  /** Shallow size of every object, in bytes. */
  totalBytes: number;
  /** Number of objects. */
  nodes: number;
  /** The biggest classes by shallow size. */
  top: HeapClass[];
}

interface Cdp {
  call(method: string, params?: unknown): Promise<unknown>;
  on(method: string, listener: (params: unknown) => void): void;
  close(): void;
}

async function connect(port: number): Promise<Cdp> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`))
    .json() as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const listeners = new Map<string, (params: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data as string);
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
    else listeners.get(message.method)?.(message.params);
  };
  return {
    call(method, params) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve) => pending.set(id, resolve));
    },
    on(method, listener) {
      listeners.set(method, listener);
    },
    close() {
      socket.close();
    },
  };
}

/**
 * Takes a heap snapshot (after a full GC) and writes it to `path`.
 *
 * @param inspectPort The port given to `--inspect=127.0.0.1:PORT`.
 * @param path Where to write the `.heapsnapshot`.
 * @returns The summary of the snapshot.
 *
 * @example
 * ```ts ignore
 * import { takeHeapSnapshot } from "./_inspector.ts";
 * const summary = await takeHeapSnapshot(9229, "/tmp/server.heapsnapshot");
 * console.log(summary.top.slice(0, 5));
 * ```
 */
export async function takeHeapSnapshot(
  inspectPort: number,
  path: string,
): Promise<HeapSummary> {
  const cdp = await connect(inspectPort);
  try {
    const chunks: string[] = [];
    cdp.on("HeapProfiler.addHeapSnapshotChunk", (params) => {
      chunks.push((params as { chunk: string }).chunk);
    });
    // The space sizes first: how far V8 grew the young generation is what
    // the run left behind, and the collection below may change the rest.
    const evaluated = await cdp.call("Runtime.evaluate", {
      expression: SPACES_EXPRESSION,
      awaitPromise: true,
      returnByValue: true,
    }) as { result?: { value?: HeapSpace[] } };
    const spaces = evaluated.result?.value ?? [];
    await cdp.call("HeapProfiler.enable");
    await cdp.call("HeapProfiler.collectGarbage");
    await cdp.call("HeapProfiler.takeHeapSnapshot", {
      reportProgress: false,
    });
    const text = chunks.join("");
    await Deno.writeTextFile(path, text);
    return { ...summarise(JSON.parse(text)), spaces };
  } finally {
    cdp.close();
  }
}

const SPACES_EXPRESSION = `import("node:v8").then((v8) =>
  v8.default.getHeapSpaceStatistics().map((s) => ({
    name: s.space_name,
    physicalBytes: s.physical_space_size,
    usedBytes: s.space_used_size,
  })))`;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[][] } };
  nodes: number[];
  strings: string[];
}

/**
 * Groups a parsed heap snapshot's nodes by name and type.
 *
 * @param snapshot The parsed `.heapsnapshot` JSON.
 * @param limit How many classes to keep.
 * @returns The summary, biggest first.
 *
 * @example
 * ```ts ignore
 * import { summarise } from "./_inspector.ts";
 * console.log(summarise(JSON.parse(Deno.readTextFileSync("x.heapsnapshot"))));
 * ```
 */
export function summarise(snapshot: Snapshot, limit = 20): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const classes = new Map<string, HeapClass>();
  let totalBytes = 0;
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const size = nodes[i + sizeAt];
    totalBytes += size;
    const name = type === "object" || type === "native"
      ? snapshot.strings[nodes[i + nameAt]]
      : `(${type})`;
    let entry = classes.get(name);
    if (!entry) {
      entry = { name, count: 0, selfBytes: 0 };
      classes.set(name, entry);
    }
    entry.count++;
    entry.selfBytes += size;
  }
  const top = [...classes.values()].sort((a, b) => b.selfBytes - a.selfBytes)
    .slice(0, limit);
  return { totalBytes, nodes: nodes.length / width, top, spaces: [] };
}
