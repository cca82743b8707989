/**
 * The Redis engine of the cluster: every node keeps its clients, their
 * liveness and its local presence to itself, and writes to Redis only what
 * changes (a name claimed or released, a watched name's state, a message
 * for a name held elsewhere), through Lua scripts that check the node's
 * fencing token first (`_scripts.ts`). Heartbeats never touch Redis.
 *
 * The client is `ioredis` (see `docs/cluster.md` for why): commands fail
 * at once while Redis is unreachable (no offline queue), the connection
 * comes back with jittered backoff, and subscriptions are restored by it.
 *
 * @module
 */

import { Redis } from "ioredis";
import { errorMessage } from "../../common/errors.ts";
import type { OfflineReason, PresenceState } from "../../protocol/frames.ts";
import type {
  ClusterAdapter,
  ClusterDelivery,
  ClusterHandler,
  ClusterPresence,
} from "../types.ts";
import * as SCRIPTS from "./_scripts.ts";
import { describeRedis, parseRedisUrl, type RedisLocation } from "./url.ts";

/** Options of {@link redisCluster}. */
export interface RedisClusterOptions {
  /** `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. */
  url: string;
  /** This node's id: 1 to 64 of `A-Z a-z 0-9 _ . : -`. */
  nodeId: string;
  /**
   * A node that has not refreshed its liveness for this long is dead: its
   * clients are announced `offline` with reason `node_lost`.
   * @default {10000}
   */
  nodeTtlMs?: number;
  /**
   * How often this node looks for dead nodes, in milliseconds.
   * @default {1000}
   */
  checkMs?: number;
  /**
   * The prefix of every key and channel.
   * @default {"lifeline"}
   */
  prefix?: string;
  /**
   * How long joining may take before it fails, in milliseconds.
   * @default {5000}
   */
  connectTimeoutMs?: number;
}

/** A node id: no `|` (the separator of owners in Redis). */
const NODE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Joins servers through one Redis: names unique cluster-wide, messages and
 * presence across nodes, dead nodes' clients announced `node_lost` within
 * the node TTL plus a check period.
 *
 * @param options Where Redis is, this node's id, the TTL.
 * @returns The adapter, to pass as the server's `cluster` option.
 * @throws {SyntaxError} For a bad URL.
 * @throws {TypeError} For a bad node id.
 *
 * @example An adapter for a node (it connects when the server starts)
 * ```ts
 * import { redisCluster } from "@lifeline/lifeline/cluster";
 * const cluster = redisCluster({ url: "redis://127.0.0.1:6379/0", nodeId: "a" });
 * console.log(cluster.nodeId, cluster.distributed, cluster.available); // "a" true false
 * // startServer({ port: 9001, cluster }) joins it; a second node with
 * // nodeId "b" on the same Redis makes a cluster of two.
 * ```
 */
export function redisCluster(options: RedisClusterOptions): ClusterAdapter {
  return new RedisCluster(options);
}

interface Incoming {
  t: string;
  [key: string]: unknown;
}

class RedisCluster implements ClusterAdapter {
  readonly nodeId: string;
  readonly distributed = true;
  #location: RedisLocation;
  #prefix: string;
  #ttl: number;
  #checkMs: number;
  #connectTimeout: number;
  #epoch = newEpoch();
  #cmd: Redis | null = null;
  #sub: Redis | null = null;
  #handler: ClusterHandler | null = null;
  #available = false;
  #nodes = 1;
  #started = false;
  #stopping = false;
  #rejoining: Promise<void> | null = null;
  // No node is reaped until this long after this node (re)joined: the
  // others need a TTL to assert themselves again after a Redis outage.
  #quietUntil = 0;
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  #checkTimer: ReturnType<typeof setInterval> | undefined;
  #shas = new Map<string, string>();

  constructor(options: RedisClusterOptions) {
    this.#location = parseRedisUrl(options.url);
    if (!NODE_ID.test(options.nodeId)) {
      throw new TypeError(
        `Cannot use node id ${
          JSON.stringify(options.nodeId)
        }: expected 1 to 64 characters from A-Z a-z 0-9 _ . : -`,
      );
    }
    this.nodeId = options.nodeId;
    this.#prefix = options.prefix ?? "lifeline";
    this.#ttl = options.nodeTtlMs ?? 10_000;
    this.#checkMs = options.checkMs ?? 1000;
    this.#connectTimeout = options.connectTimeoutMs ?? 5000;
  }

  get available(): boolean {
    return this.#available;
  }

  get nodes(): number {
    return this.#nodes;
  }

  async start(handler: ClusterHandler): Promise<void> {
    this.#handler = handler;
    const where = describeRedis(this.#location);
    const make = () =>
      new Redis({
        host: this.#location.host,
        port: this.#location.port,
        db: this.#location.db,
        username: this.#location.username,
        password: this.#location.password,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: this.#connectTimeout,
        // Before the node has joined, a failure is an answer; after, the
        // connection comes back with capped, jittered backoff.
        retryStrategy: (attempt: number) =>
          this.#started && !this.#stopping
            ? Math.floor(Math.random() * Math.min(5000, 100 * 2 ** attempt))
            : null,
      });
    const cmd = make();
    const sub = make();
    this.#cmd = cmd;
    this.#sub = sub;
    // ioredis reports errors as events too; the ones that matter surface
    // as failed commands or as the states below, except while joining,
    // where the event says why better than the rejection does.
    let cause: unknown;
    cmd.on("error", (error: unknown) => cause ??= error);
    sub.on("error", (error: unknown) => cause ??= error);
    try {
      await Promise.all([cmd.connect(), sub.connect()]);
      await this.#loadScripts();
      await this.#run(SCRIPTS.JOIN, [String(this.#ttl)], false);
    } catch (error) {
      cmd.disconnect();
      sub.disconnect();
      throw new Error(
        `Cannot join the cluster at ${where}: ${why(cause ?? error)}`,
      );
    }
    sub.on("message", (channel: string, text: string) => {
      this.#incoming(channel, text);
    });
    await sub.subscribe(this.#key("events"), this.#key(`to:${this.nodeId}`));
    cmd.on("close", () => this.#lost("lost the connection to Redis"));
    cmd.on("ready", () => void this.#reconnected());
    this.#started = true;
    this.#available = true;
    this.#quietUntil = Date.now() + this.#ttl;
    this.#refreshTimer = setInterval(
      () => void this.#refresh(),
      Math.max(100, Math.floor(this.#ttl / 3)),
    );
    this.#checkTimer = setInterval(() => void this.#check(), this.#checkMs);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#refreshTimer);
    clearInterval(this.#checkTimer);
    const cmd = this.#cmd;
    if (cmd !== null && this.#available) {
      try {
        // Leaving on purpose: the others need not wait a TTL for it.
        await cmd.multi()
          .del(this.#key(`node:${this.nodeId}`))
          .srem(this.#key("nodes"), this.nodeId)
          .del(this.#key(`held:${this.nodeId}`))
          .exec();
      } catch {
        // Redis is gone; the others will reap this node after its TTL.
      }
    }
    this.#available = false;
    cmd?.disconnect();
    this.#sub?.disconnect();
  }

  async claim(name: string, sessionId: string): Promise<boolean> {
    const reply = await this.#try(SCRIPTS.CLAIM, [
      name,
      this.#owner(sessionId),
      "0",
    ]);
    return reply !== undefined && reply[0] === "ok" && Number(reply[1]) > 0;
  }

  publish(change: Omit<ClusterPresence, "version">, sessionId: string): void {
    void this.#try(SCRIPTS.PUBLISH, [
      change.name,
      this.#owner(sessionId),
      change.state,
      change.reason ?? "",
      change.silentMs === undefined ? "" : String(change.silentMs),
    ]);
  }

  async send(to: string, from: string, body: string): Promise<ClusterDelivery> {
    const payload = JSON.stringify({ t: "msg", to, from, body });
    const reply = await this.#try(SCRIPTS.SEND, [to, payload]);
    return reply === undefined ? "unavailable" : reply[0] as ClusterDelivery;
  }

  async broadcast(from: string, body: string): Promise<ClusterDelivery> {
    const payload = JSON.stringify({
      t: "bcast",
      from,
      body,
      origin: this.nodeId,
    });
    const reply = await this.#try(SCRIPTS.BROADCAST, [payload]);
    return reply === undefined ? "unavailable" : "sent";
  }

  async watch(names: string[]): Promise<ClusterPresence[] | undefined> {
    const out: ClusterPresence[] = [];
    for (let i = 0; i < names.length; i += 500) {
      const batch = names.slice(i, i + 500);
      const reply = await this.#try(SCRIPTS.WATCH, batch);
      if (reply === undefined) return undefined;
      batch.forEach((name, k) => out.push(presenceOf(name, reply[k + 1])));
    }
    return out;
  }

  unwatch(names: string[]): void {
    if (names.length > 0) void this.#try(SCRIPTS.UNWATCH, names);
  }

  // --- Redis ---

  #key(suffix: string): string {
    return `${this.#prefix}:${suffix}`;
  }

  #owner(sessionId: string): string {
    return `${this.nodeId}|${this.#epoch}|${sessionId}`;
  }

  async #loadScripts(): Promise<void> {
    for (const script of Object.values(SCRIPTS)) {
      this.#shas.set(
        script,
        await this.#cmd!.script("LOAD", script) as string,
      );
    }
  }

  /** Runs a script with the node's identity first; NOSCRIPT reloads it. */
  async #run(script: string, args: string[], fenced = true): Promise<string[]> {
    const argv = [this.#prefix, this.nodeId, this.#epoch, ...args];
    const cmd = this.#cmd!;
    let reply: unknown;
    try {
      reply = await cmd.evalsha(this.#shas.get(script)!, 0, ...argv);
    } catch (error) {
      if (!String(error).includes("NOSCRIPT")) throw error;
      reply = await cmd.eval(script, 0, ...argv);
    }
    const out = (reply as unknown[]).map(String);
    if (fenced && out[0] === "fenced") void this.#rejoin("fenced");
    return out;
  }

  /**
   * Runs a script if the cluster can be reached: `undefined` when it
   * cannot (or this node was fenced, which starts its rejoining).
   */
  async #try(script: string, args: string[]): Promise<string[] | undefined> {
    if (!this.#available || this.#cmd === null) return undefined;
    try {
      const reply = await this.#run(script, args);
      return reply[0] === "fenced" ? undefined : reply;
    } catch {
      return undefined;
    }
  }

  // --- liveness of the node ---

  async #refresh(): Promise<void> {
    if (!this.#available || this.#rejoining !== null) return;
    try {
      await this.#run(SCRIPTS.REFRESH, [String(this.#ttl)]);
    } catch {
      // Unreachable: the "close" event says so.
    }
  }

  /** Looks for dead nodes and reaps them (once: the script holds a lock). */
  async #check(): Promise<void> {
    if (!this.#available) return;
    const cmd = this.#cmd!;
    try {
      const nodes = (await cmd.smembers(this.#key("nodes"))).filter((n) =>
        n !== this.nodeId
      );
      if (nodes.length === 0) {
        this.#nodes = 1;
        return;
      }
      const pipeline = cmd.pipeline();
      for (const node of nodes) pipeline.exists(this.#key(`node:${node}`));
      const alive = await pipeline.exec();
      this.#nodes = 1 + nodes.filter((_, i) => alive?.[i]?.[1] === 1).length;
      // Quiet after (re)joining: the others need a TTL to assert
      // themselves again before any of them may be called dead.
      if (Date.now() < this.#quietUntil) return;
      for (let i = 0; i < nodes.length; i++) {
        if (alive?.[i]?.[1] === 0) {
          await this.#run(SCRIPTS.REAP, [nodes[i], String(this.#ttl)]);
        }
      }
    } catch {
      // Unreachable now; the next check tries again.
    }
  }

  #lost(why: string): void {
    if (this.#stopping || !this.#available) return;
    this.#available = false;
    this.#handler!.status(false, why);
  }

  /**
   * The command connection is back. If Redis still has this node under its
   * epoch, nothing was lost; otherwise (it was reaped while away, or Redis
   * restarted empty) the node rejoins under a new epoch.
   */
  async #reconnected(): Promise<void> {
    if (this.#stopping) return;
    try {
      const epoch = await this.#cmd!.get(this.#key(`node:${this.nodeId}`));
      if (epoch === this.#epoch) {
        this.#available = true;
        this.#quietUntil = Date.now() + this.#ttl;
        await this.#reassert(false);
        this.#handler!.status(true, "reconnected to Redis");
        return;
      }
    } catch {
      return;
    }
    await this.#rejoin("reconnected to Redis, which no longer knew this node");
  }

  #rejoin(why: string): Promise<void> {
    this.#rejoining ??= (async () => {
      this.#available = false;
      this.#handler!.status(false, `fenced: ${why}`);
      try {
        this.#epoch = newEpoch();
        await this.#loadScripts();
        await this.#run(SCRIPTS.REGISTER, [String(this.#ttl)], false);
        this.#available = true;
        this.#quietUntil = Date.now() + this.#ttl;
        await this.#reassert(true);
        this.#handler!.status(true, `rejoined the cluster (${why})`);
      } catch (error) {
        this.#available = false;
        this.#handler!.status(false, `cannot rejoin: ${errorMessage(error)}`);
      } finally {
        this.#rejoining = null;
      }
    })();
    return this.#rejoining;
  }

  /**
   * Asserts again what this node holds and watches: its sessions' names
   * (those another node took meanwhile are replaced here), the names Redis
   * still thinks are this node's but are not (released), and its watches
   * (whose states are applied, offline ones only after the quiet period,
   * as their holders may not have asserted themselves yet).
   */
  async #reassert(newEpoch: boolean): Promise<void> {
    const { held, watched } = this.#handler!.assertions();
    const cmd = this.#cmd!;
    const mine = new Set(held.map((h) => h.name));
    if (newEpoch) {
      for (const { name, sessionId } of held) {
        const reply = await this.#run(SCRIPTS.CLAIM, [
          name,
          this.#owner(sessionId),
          "1",
        ]);
        if (reply[0] === "taken") this.#handler!.replaced(name, sessionId);
      }
    }
    for (const name of await cmd.smembers(this.#key(`held:${this.nodeId}`))) {
      if (mine.has(name)) continue;
      const owner = await cmd.hget(this.#key("names"), name);
      if (owner !== null && owner.startsWith(`${this.nodeId}|`)) {
        await this.#run(SCRIPTS.PUBLISH, [
          name,
          owner,
          "offline",
          "closed",
          "",
        ]);
      }
    }
    const states = await this.watch(watched);
    for (const state of states ?? []) {
      if (state.state !== "offline") this.#handler!.presence(state);
    }
    setTimeout(() => void this.#resnapshot(), this.#ttl).unref?.();
  }

  /** After the quiet period: names still held by nobody are offline. */
  async #resnapshot(): Promise<void> {
    if (!this.#available) return;
    const { watched } = this.#handler!.assertions();
    const states = await this.watch(watched);
    for (const state of states ?? []) {
      this.#handler!.presence(
        state.state === "offline" ? { ...state, reason: "node_lost" } : state,
      );
    }
  }

  // --- the other nodes ---

  #incoming(channel: string, text: string): void {
    let message: Incoming;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const handler = this.#handler!;
    switch (message.t) {
      case "presence":
        if (message.origin !== this.nodeId) {
          handler.presence(presenceOf(String(message.name), text));
        }
        break;
      case "lost": {
        const version = Number(message.version);
        for (const name of message.names as string[]) {
          handler.presence({
            name,
            state: "offline",
            reason: "node_lost",
            version,
          });
        }
        break;
      }
      case "bcast":
        if (message.origin !== this.nodeId) {
          handler.broadcast(String(message.from), String(message.body));
        }
        break;
      case "msg":
        if (channel.endsWith(`:to:${this.nodeId}`)) {
          handler.message(
            String(message.to),
            String(message.from),
            String(message.body),
          );
        }
        break;
      case "replace": {
        const [, , sessionId] = String(message.owner).split("|");
        handler.replaced(String(message.name), sessionId ?? "");
        break;
      }
      case "interest":
        handler.interest(String(message.name));
        break;
    }
  }
}

/** A state from Redis (a published change, or a stored one). */
function presenceOf(name: string, text: string | undefined): ClusterPresence {
  try {
    const value = JSON.parse(text ?? "{}") as {
      state?: PresenceState;
      reason?: OfflineReason;
      silentMs?: number;
      version?: string | number;
    };
    const out: ClusterPresence = {
      name,
      state: value.state ?? "offline",
      version: Number(value.version ?? 0),
    };
    if (value.reason !== undefined) out.reason = value.reason;
    if (value.silentMs !== undefined) out.silentMs = value.silentMs;
    return out;
  } catch {
    return { name, state: "offline", version: 0 };
  }
}

function newEpoch(): string {
  return `${Date.now().toString(36)}${
    Math.floor(Math.random() * 2 ** 32).toString(36)
  }`;
}

/** What went wrong joining, in words that say what to do. */
function why(error: unknown): string {
  const text = errorMessage(error);
  if (text.includes("NOAUTH")) {
    return "Redis requires a password: give it in the URL, redis://:PASSWORD@HOST:PORT";
  }
  if (text.includes("WRONGPASS") || text.includes("invalid password")) {
    return "Redis refused the password (WRONGPASS)";
  }
  if (text.includes("ECONNREFUSED")) return "connection refused";
  if (text.includes("ETIMEDOUT") || text.includes("timeout")) {
    return "no answer within the connect timeout";
  }
  return text;
}
