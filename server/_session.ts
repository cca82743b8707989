/**
 * One connection, as the server handles it (centrifuge's `client.go`): its
 * state, the decoding of its bytes (the first bytes pick the wire format),
 * every frame it sends, the abuse rules, and its end through one typed
 * {@link Disconnect}. A session is its own entry in the liveness registry
 * while open, and in the grace registry while closing.
 *
 * @module
 */

import { utf8Length } from "../common/utf8.ts";
import type { Authenticator, AuthVerdict } from "../auth/types.ts";
import type { Clock } from "../common/time.ts";
import type { DeadlineRegistry } from "../liveness/deadline_registry.ts";
import type { HeartbeatRegistry } from "../liveness/heartbeat_registry.ts";
import { DeadlineEntry } from "../liveness/_timing_wheel.ts";
import { jitteredRetryAfter } from "../liveness/retry_after.ts";
import { encodeFrame, encodePong } from "../protocol/encode.ts";
import { fastPingSeq } from "../protocol/fast_ping.ts";
import {
  type ByeFrame,
  type ErrorCode,
  isValidName,
} from "../protocol/frames.ts";
import {
  GO_HEARTBEAT,
  GoFrameDecoder,
  type GoParseResult,
} from "../protocol/go_frame_decoder.ts";
import { LineDecoder } from "../protocol/line_decoder.ts";
import { parseClientFrame } from "../protocol/parse.ts";
import {
  GO_PREFIX_BYTES,
  SNIFFED_GO,
  SNIFFED_LINES,
  sniffWireFormat,
  type WireProtocol,
} from "../protocol/sniff.ts";
import type { TransportConn } from "../transport/types.ts";
import {
  AUTH_FAILED,
  CLOSED,
  type Disconnect,
  LEFT,
  PROTOCOL_ERROR,
  RATE_LIMITED,
  REPLACED,
  TIMEOUT,
  TOKEN_EXPIRED,
  TOO_MANY_PINGS,
} from "./_disconnect.ts";
import { SESSION_REBASE_MS, type SessionEpoch } from "./_epoch.ts";
import type { Hub } from "./_hub.ts";
import type { Watched } from "./_presence.ts";
import type { WatchSet } from "./_watch_set.ts";
import type { ServerCounters } from "./_stats.ts";
import type { SessionCloseReason, SessionInfo } from "./events.ts";
import type { ResolvedServerOptions } from "./options.ts";

/** Not yet known: the first bytes decide. */
const MODE_SNIFF = 0;
/** Lifeline's ndjson. */
const MODE_LINES = 1;
/** The Go project's concatenated JSON; never written to. */
const MODE_GO = 2;

/** Reading frames. */
const STATE_OPEN = 0;
/** `bye` sent or being closed: input is discarded until the peer closes. */
const STATE_CLOSING = 1;
/** The transport reported the close. */
const STATE_CLOSED = 2;

/** Flag bit: a hello's token is being checked. */
const AUTHENTICATING = 1 << 9;

/** `pingMs` of a session that has not pinged. */
const NEVER = -(2 ** 31);

/** The longest error message sent, in characters. */
const MAX_ERROR_MESSAGE = 300;

/** Messages refused in a row by the rate limit before the session ends. */
const MAX_RATE_STRIKES = 10;

function expirySeconds(expiresAt: number | undefined): number {
  return expiresAt === undefined
    ? 0
    : Math.max(1, Math.floor(expiresAt / 1000));
}

/** What the server's events need to hear from a session. */
export interface SessionEvents {
  /** Whether a `heartbeat` listener is there (the hot path asks first). */
  readonly wantsHeartbeats: boolean;
  /** A client registered. */
  connect(session: Session): void;
  /** A heartbeat arrived. */
  heartbeat(session: Session, seq: number | undefined): void;
  /** A client sent a message. */
  message(session: Session, to: string | undefined, body: string): void;
  /** A connection stayed silent past its deadline. */
  timeout(session: Session, silentMs: number): void;
  /** A registered client's session ended. */
  close(session: Session, reason: SessionCloseReason): void;
}

/** What every session of a server shares: one reference per session. */
export interface SessionHost {
  /** The options in force. */
  readonly options: ResolvedServerOptions;
  /** The clock. */
  readonly clock: Clock;
  /** Random numbers for `retryAfter` jitter. */
  readonly random: () => number;
  /** The epoch session times count from. */
  readonly epoch: SessionEpoch;
  /** The named sessions. */
  readonly hub: Hub<Session>;
  /** Proof of names, when authentication is on. */
  readonly auth: Authenticator | undefined;
  /** Deadlines of open sessions: silence past the timeout. */
  readonly liveness: HeartbeatRegistry<Session>;
  /** Deadlines of closing sessions: the grace to close after `bye`. */
  readonly graces: DeadlineRegistry<Session>;
  /** The server's events. */
  readonly events: SessionEvents;
  /** The server's counters, incremented in place (see `_stats.ts`). */
  readonly stats: ServerCounters;
  /** An open session stopped counting toward the connection limit. */
  released(): void;
  /** The transport reported the session's connection closed. */
  forget(session: Session): void;
}

/** One connection. */
export class Session extends DeadlineEntry {
  /** The transport connection. */
  readonly conn: TransportConn;
  /** The server's shared part. */
  readonly host: SessionHost;
  // The id as a number: a small integer stays in the object, a string
  // would be one more heap object per connection.
  readonly #id: number;
  // Times are whole milliseconds since the server's epoch (see
  // SessionEpoch): small integers, which V8 keeps inside the object. A
  // fractional or absolute time would be a boxed number of its own per
  // field and connection.
  /** When it was accepted. */
  connectedMs: number;
  /** When the last complete frame arrived (or the accept time). */
  seenMs: number;
  /** The registered name, once known. */
  name: string | null = null;
  // mode (2 bits) | state (2 bits) << 2 | sniffed (5 bits) << 4 |
  // authenticating << 9: small fields in one, as every field is paid once
  // per connection.
  #bits: number = MODE_SNIFF;
  // The frame decoder of the mode: a LineDecoder or a GoFrameDecoder.
  #decoder: LineDecoder | GoFrameDecoder | null = null;
  #invalidFrames = 0;
  // When the last ping arrived, or NEVER.
  #pingMs: number = NEVER;
  // Pings that came too soon after the previous one, since the last good one.
  #pingStrikes = 0;
  // The token's expiry in epoch seconds (a small integer until 2038), or
  // 0: no token, or one that never expires.
  #tokenExpSec = 0;
  // The message rate limit's theoretical arrival time, in milliseconds
  // since the epoch, and the messages refused in a row.
  #msgTat = 0;
  // The byte rate's own arrival time; fractional milliseconds.
  #bytesTat = 0;
  #rateStrikes = 0;
  /** The record of this session's name, while somebody watches it. */
  watched: Watched | null = null;
  /** The names this session watches, once it watches any. */
  watching: WatchSet<Watched> | null = null;

  /**
   * Creates the state of a freshly accepted connection.
   *
   * @param conn The connection.
   * @param id Its id (a positive integer).
   * @param host The server's shared part.
   * @param nowMs The accept time, in milliseconds since the epoch.
   */
  constructor(
    conn: TransportConn,
    id: number,
    host: SessionHost,
    nowMs: number,
  ) {
    super();
    this.conn = conn;
    this.host = host;
    this.#id = id;
    this.connectedMs = nowMs;
    this.seenMs = nowMs;
  }

  get #mode(): number {
    return this.#bits & 3;
  }
  set #mode(mode: number) {
    this.#bits = (this.#bits & ~3) | mode;
  }

  get #state(): number {
    return (this.#bits >> 2) & 3;
  }
  set #state(state: number) {
    this.#bits = (this.#bits & ~12) | (state << 2);
  }

  get #sniffed(): number {
    return (this.#bits >> 4) & 31;
  }
  set #sniffed(count: number) {
    this.#bits = (this.#bits & ~(31 << 4)) | (count << 4);
  }

  // A hello's token is being checked.
  get #authenticating(): boolean {
    return (this.#bits & AUTHENTICATING) !== 0;
  }
  set #authenticating(on: boolean) {
    this.#bits = on
      ? this.#bits | AUTHENTICATING
      : this.#bits & ~AUTHENTICATING;
  }

  /** The id sent in `welcome`, made on demand. */
  get id(): string {
    return String(this.#id);
  }

  /** Whether the session is open (not closing or closed). */
  get open(): boolean {
    return this.#state === STATE_OPEN;
  }

  /** Which protocol the session speaks. */
  get protocol(): WireProtocol {
    return this.#mode === MODE_GO ? "go" : "lifeline";
  }

  /** When the last complete frame arrived, on the server's clock. */
  get lastSeenAt(): number {
    return this.host.epoch.epochMs + this.seenMs;
  }

  /** Whether the client reads frames (Go-format clients read nothing). */
  get readsFrames(): boolean {
    return this.#mode !== MODE_GO;
  }

  /**
   * Queues text for the client.
   *
   * @param text The frame(s), encoded.
   */
  send(text: string): void {
    this.conn.write(text);
  }

  /**
   * A snapshot for events and `clients()`.
   *
   * @returns The client's info.
   */
  info(): SessionInfo {
    const epochMs = this.host.epoch.epochMs;
    return {
      id: this.id,
      name: this.name ?? "",
      protocol: this.protocol,
      remoteAddr: this.conn.remoteAddr,
      connectedAt: epochMs + this.connectedMs,
      lastSeenAt: epochMs + this.seenMs,
      watching: this.watching?.size ?? 0,
      watchers: this.watched?.watchers.size ?? 0,
    };
  }

  /**
   * Moves the session's times to an epoch `shiftMs` later.
   *
   * @param shiftMs How far the epoch moves forward, in milliseconds.
   */
  rebase(shiftMs: number): void {
    this.connectedMs -= shiftMs;
    this.seenMs -= shiftMs;
    this.#msgTat = Math.max(0, this.#msgTat - shiftMs);
    this.#bytesTat = Math.max(0, this.#bytesTat - shiftMs);
    // A ping this old no longer counts against the next one.
    this.#pingMs = this.#pingMs - shiftMs < -SESSION_REBASE_MS
      ? NEVER
      : this.#pingMs - shiftMs;
  }

  // --- input ---

  /**
   * Bytes arrived from the transport.
   *
   * @param chunk The bytes, valid during the call only.
   */
  receive(chunk: Uint8Array): void {
    if (this.#state !== STATE_OPEN) return;
    const mode = this.#mode;
    if (mode === MODE_LINES) this.#pushLines(chunk);
    else if (mode === MODE_GO) this.#pushGo(chunk);
    else this.#sniff(chunk);
  }

  #sniff(chunk: Uint8Array): void {
    const before = this.#sniffed;
    const matched = sniffWireFormat(before, chunk);
    if (matched === SNIFFED_LINES) {
      this.#mode = MODE_LINES;
      this.#decoder = new LineDecoder({
        maxFrameBytes: this.host.options.maxFrameBytes,
      });
      if (before > 0) this.#pushLines(GO_PREFIX_BYTES.subarray(0, before));
      if (this.#state === STATE_OPEN) this.#pushLines(chunk);
    } else if (matched === SNIFFED_GO) {
      this.#mode = MODE_GO;
      this.#decoder = new GoFrameDecoder({
        maxFrameBytes: this.host.options.maxFrameBytes,
      });
      if (before > 0) this.#pushGo(GO_PREFIX_BYTES.subarray(0, before));
      this.#pushGo(chunk);
    } else {
      this.#sniffed = matched;
    }
  }

  #pushLines(chunk: Uint8Array): void {
    const decoder = this.#decoder as LineDecoder;
    if (decoder.push(chunk, Session.#LINE, this) === "frame_too_large") {
      if (this.#state !== STATE_OPEN) return;
      this.#sendError(
        "frame_too_large",
        `Frame longer than ${this.host.options.maxFrameBytes} bytes`,
      );
      this.close(PROTOCOL_ERROR);
    }
  }

  #pushGo(chunk: Uint8Array): void {
    const decoder = this.#decoder as GoFrameDecoder;
    if (decoder.push(chunk, Session.#GO_FRAME, this) === "frame_too_large") {
      this.close(PROTOCOL_ERROR);
    }
  }

  // The decoders' callbacks: one function for every session, called with
  // the session as `this`, so no session holds a closure of its own.
  static readonly #LINE = function (this: Session, line: string): void {
    this.#onLine(line);
  };
  static readonly #GO_FRAME = function (
    this: Session,
    result: GoParseResult,
  ): void {
    this.#onGoFrame(result);
  };

  #onLine(line: string): void {
    if (this.#state !== STATE_OPEN) return;
    if (this.name === null) {
      this.#onLineBeforeHello(line);
      return;
    }
    const host = this.host;
    const now = host.liveness.touch(this);
    const nowMs = host.epoch.since(now);
    this.seenMs = nowMs;
    if (this.#tokenExpSec !== 0 && !this.#tokenValid()) return;
    const seq = fastPingSeq(line);
    if (seq >= 0) {
      if (this.watched !== null) host.hub.presence.heard(this, now);
      host.stats.framesPing++;
      this.#ping(seq, nowMs);
      return;
    }
    const result = parseClientFrame(line);
    // A suspect client that says bye goes straight to offline: telling its
    // watchers "online" first would be a state it never was in again.
    if (
      this.watched !== null && (!result.ok || result.frame.type !== "bye")
    ) {
      host.hub.presence.heard(this, now);
    }
    if (!result.ok) {
      host.stats.framesInvalid++;
      this.#invalid(result.code, result.message);
      return;
    }
    const frame = result.frame;
    host.stats.frame(frame.type);
    switch (frame.type) {
      case "ping":
        this.#ping(frame.seq, nowMs);
        break;
      case "msg":
        if (this.#admitMessage(nowMs, frame.body)) {
          this.#message(frame.to, frame.body);
        }
        break;
      case "watch":
        if (host.hub.presence.watch(this, frame.names) !== undefined) {
          this.#sendError(
            "too_many_watches",
            `Cannot watch ${frame.names.length} more names: a connection watches at most ${host.options.maxWatches}`,
          );
        }
        break;
      case "unwatch":
        host.hub.presence.unwatch(this, frame.names);
        break;
      case "bye":
        this.close(LEFT);
        break;
      case "refresh":
        this.#refresh(frame.token);
        break;
      case "hello":
        this.#sendError(
          "duplicate_hello",
          `Already registered as "${this.name}"`,
        );
        break;
    }
  }

  /**
   * A line before the session holds a name: only a valid `hello` is a sign
   * of life; anything else is an invalid frame and keeps no connection
   * alive.
   */
  #onLineBeforeHello(line: string): void {
    const result = parseClientFrame(line);
    if (!result.ok) {
      this.host.stats.framesInvalid++;
      this.#invalid(result.code, result.message);
      return;
    }
    const frame = result.frame;
    this.host.stats.frame(frame.type);
    if (frame.type !== "hello") {
      this.#invalid(
        "hello_required",
        `Cannot accept a "${frame.type}" frame before "hello"`,
      );
      return;
    }
    if (this.#authenticating) {
      this.#invalid("duplicate_hello", "A hello is already being checked");
      return;
    }
    const host = this.host;
    this.seenMs = host.epoch.since(host.liveness.touch(this));
    const auth = host.auth;
    if (auth === undefined) {
      this.#register(frame.name);
      return;
    }
    if (frame.token === undefined) {
      this.#authFailed("a token is required");
      return;
    }
    this.#authenticating = true;
    auth.verify(frame.name, frame.token).then(
      (verdict) => this.#verified(frame.name, verdict),
      () => this.#verified(frame.name, { ok: false, reason: "not verified" }),
    );
  }

  #verified(name: string, verdict: AuthVerdict): void {
    this.#authenticating = false;
    if (this.#state !== STATE_OPEN) return;
    if (!verdict.ok) {
      this.#authFailed(verdict.reason);
      return;
    }
    this.#tokenExpSec = expirySeconds(verdict.expiresAt);
    this.#register(name);
  }

  #refresh(token: string): void {
    const auth = this.host.auth;
    if (auth === undefined) {
      this.#invalid(
        "invalid_frame",
        "Cannot refresh a token: this server does not authenticate",
      );
      return;
    }
    const name = this.name!;
    auth.verify(name, token).then(
      (verdict) => this.#refreshed(verdict),
      () => this.#refreshed({ ok: false, reason: "not verified" }),
    );
  }

  #refreshed(verdict: AuthVerdict): void {
    if (this.#state !== STATE_OPEN) return;
    if (!verdict.ok) {
      this.#authFailed(verdict.reason);
      return;
    }
    this.#tokenExpSec = expirySeconds(verdict.expiresAt);
  }

  #authFailed(reason: string): void {
    this.#sendError("auth_failed", `Cannot authenticate: ${reason}`);
    this.close(AUTH_FAILED);
  }

  /** Whether the session's token is still valid; closes it when not. */
  #tokenValid(): boolean {
    if (Date.now() < this.#tokenExpSec * 1000) return true;
    this.close(TOKEN_EXPIRED);
    return false;
  }

  /**
   * The message rate limits, as generic cell rate algorithms: on the
   * number of messages (one small integer, the theoretical arrival time of
   * the next message) and on their bytes (each message costs its size).
   * A message passes only if it fits both.
   */
  #admitMessage(nowMs: number, body: string): boolean {
    const options = this.host.options;
    let msgTat = this.#msgTat;
    if (options.msgRate !== 0) {
      const emission = Math.max(1, Math.round(1000 / options.msgRate));
      const tolerance = (Math.max(1, options.msgBurst) - 1) * emission;
      const tat = Math.max(msgTat, nowMs);
      if (tat - nowMs > tolerance) {
        return this.#overRate(
          `more than ${options.msgRate} messages per second (burst ${options.msgBurst})`,
        );
      }
      msgTat = (tat + emission) | 0;
    }
    if (options.msgByteRate !== 0) {
      const msPerByte = 1000 / options.msgByteRate;
      const tat = Math.max(this.#bytesTat, nowMs) +
        utf8Length(body) * msPerByte;
      if (tat - nowMs > options.msgByteBurst * msPerByte) {
        return this.#overRate(
          `more than ${options.msgByteRate} bytes of messages per second (burst ${options.msgByteBurst})`,
        );
      }
      this.#bytesTat = tat;
    }
    this.#msgTat = msgTat;
    this.#rateStrikes = 0;
    return true;
  }

  /** A message past a rate: dropped, and the tenth in a row closes. */
  #overRate(what: string): false {
    if (++this.#rateStrikes >= MAX_RATE_STRIKES) {
      this.#sendError(
        "rate_limited",
        `Closing after ${this.#rateStrikes} messages in a row over the limit: ${what}`,
      );
      this.close(RATE_LIMITED);
      return false;
    }
    this.#sendError("rate_limited", `Message dropped: ${what}`);
    return false;
  }

  #onGoFrame(result: GoParseResult): void {
    if (this.#state !== STATE_OPEN) return;
    if (!result.ok) {
      // Stray bytes between objects are not a frame: no liveness credit.
      this.#countGoError();
      return;
    }
    const host = this.host;
    const now = host.liveness.touch(this);
    this.seenMs = host.epoch.since(now);
    if (this.watched !== null) host.hub.presence.heard(this, now);
    const frame = result.frame;
    if (this.name === null) {
      if (!isValidName(frame.Owner)) {
        this.#countGoError();
        return;
      }
      // A Go-format client cannot carry a token.
      if (host.auth !== undefined && !host.options.allowUnauthenticatedGo) {
        this.close(AUTH_FAILED);
        return;
      }
      this.#register(frame.Owner);
      if (this.#state !== STATE_OPEN) return;
    }
    if (frame.MessageType === GO_HEARTBEAT) {
      host.stats.framesGoHeartbeat++;
      host.stats.heartbeats++;
      if (host.events.wantsHeartbeats) host.events.heartbeat(this, undefined);
    } else {
      host.stats.framesGoMessage++;
      // The same message rate as for Lifeline clients; past it the frames
      // are dropped (a Go client reads nothing, so it is not told).
      if (this.#admitMessage(this.seenMs, frame.Content)) {
        this.#broadcast(frame.Content);
        host.events.message(this, undefined, frame.Content);
      }
    }
  }

  // --- frames ---

  /** `nowMs` is the frame's arrival, in milliseconds since the epoch. */
  #ping(seq: number, nowMs: number): void {
    if (this.name === null) {
      this.#invalid(
        "hello_required",
        'Cannot accept a "ping" frame before "hello"',
      );
      return;
    }
    const host = this.host;
    const options = host.options;
    if (nowMs - this.#pingMs < options.minPingInterval) {
      // Pings that queued up while this process could not run arrive
      // together: that says nothing about how often the client pings.
      if (host.liveness.isStalled(host.epoch.epochMs + nowMs)) {
        // Forgiven.
      } else if (++this.#pingStrikes > options.maxPingStrikes) {
        this.#sendError(
          "too_many_pings",
          `Pings less than ${options.minPingInterval}ms apart, ${this.#pingStrikes} times`,
        );
        this.close(TOO_MANY_PINGS);
        return;
      }
    } else {
      this.#pingStrikes = 0;
    }
    this.#pingMs = nowMs;
    this.conn.write(encodePong(seq));
    this.host.stats.heartbeats++;
    if (this.host.events.wantsHeartbeats) this.host.events.heartbeat(this, seq);
  }

  #message(to: string | undefined, body: string): void {
    const hub = this.host.hub;
    const from = this.name!;
    if (to === undefined) {
      this.#broadcast(body);
    } else {
      const target = hub.get(to);
      if (target !== undefined && target.readsFrames) {
        target.send(encodeFrame({ type: "msg", from, body }));
      } else if (target === undefined && hub.cluster.distributed) {
        void hub.cluster.send(to, from, body).then((delivery) => {
          if (delivery === "unknown") this.#noRecipient(to, undefined);
          else if (delivery === "unavailable") {
            this.clusterUnavailable(
              `Cannot deliver to "${to}": the cluster cannot be reached`,
            );
          }
        });
      } else {
        this.#noRecipient(to, target);
        return;
      }
    }
    this.host.events.message(this, to, body);
  }

  #noRecipient(to: string, target: Session | undefined): void {
    if (this.#state !== STATE_OPEN) return;
    this.#sendError(
      "unknown_recipient",
      target === undefined
        ? `No client named "${to}" is online`
        : `Cannot deliver to "${to}": it speaks the Go format and reads nothing`,
    );
  }

  /** A message to everyone else: here, and on every other node. */
  #broadcast(body: string): void {
    const hub = this.host.hub;
    const from = this.name!;
    hub.broadcast(this, encodeFrame({ type: "msg", from, body }));
    if (!hub.cluster.distributed) return;
    void hub.cluster.broadcast(from, body).then((delivery) => {
      if (delivery === "unavailable") {
        this.clusterUnavailable(
          "Delivered to the clients of this server only: the cluster cannot be reached",
        );
      }
    });
  }

  /**
   * Tells the client a cross-node request failed because the cluster
   * cannot be reached.
   *
   * @param message What, for people.
   */
  clusterUnavailable(message: string): void {
    if (this.#state === STATE_OPEN) {
      this.#sendError("cluster_unavailable", message);
    }
  }

  #register(name: string): void {
    const host = this.host;
    host.hub.get(name)?.close(REPLACED);
    this.name = name;
    host.hub.add(this);
    if (this.#mode !== MODE_GO) {
      this.conn.write(encodeFrame({
        type: "welcome",
        id: this.id,
        interval: host.options.interval,
        timeout: host.options.timeout,
      }));
    }
    host.hub.presence.registered(this);
    host.events.connect(this);
  }

  // --- abuse ---

  #countGoError(): void {
    this.host.stats.framesInvalid++;
    if (++this.#invalidFrames >= this.host.options.maxInvalidFrames) {
      this.close(PROTOCOL_ERROR);
    }
  }

  #invalid(code: ErrorCode, message: string): void {
    this.#sendError(code, message);
    if (++this.#invalidFrames >= this.host.options.maxInvalidFrames) {
      this.#sendError(
        "too_many_errors",
        `Closing after ${this.#invalidFrames} invalid frames`,
      );
      this.close(PROTOCOL_ERROR);
    }
  }

  #sendError(code: ErrorCode, message: string): void {
    if (this.#mode === MODE_GO) return;
    // Never echo much of what was refused back to its sender.
    const text = message.length > MAX_ERROR_MESSAGE
      ? `${message.slice(0, MAX_ERROR_MESSAGE - 3)}...`
      : message;
    this.conn.write(encodeFrame({ type: "error", code, message: text }));
  }

  // --- the end ---

  /**
   * Ends the session: `bye` if the disconnect has one, half-close, a grace
   * deadline to close, stop watching, unregister, tell the watchers, emit
   * `close`. Does nothing once the session is closing.
   *
   * @param disconnect How it ends.
   */
  close(disconnect: Disconnect): void {
    if (this.#state !== STATE_OPEN) return;
    const host = this.host;
    this.#state = STATE_CLOSING;
    host.released();
    if (disconnect.bye !== undefined && this.#mode !== MODE_GO) {
      const bye: ByeFrame = disconnect.retryAfter === undefined
        ? { type: "bye", reason: disconnect.bye }
        : {
          type: "bye",
          reason: disconnect.bye,
          retryAfter: disconnect.retryAfter,
        };
      this.conn.write(encodeFrame(bye));
    }
    this.conn.end(disconnect.bye);
    host.liveness.remove(this);
    host.graces.setDeadline(
      this,
      host.clock.now() + (disconnect.graceMs ?? host.options.closeGrace),
    );
    host.hub.presence.forget(this);
    if (!host.hub.remove(this)) return;
    host.hub.presence.ended(this, disconnect);
    host.events.close(this, disconnect.reason);
  }

  /**
   * Turns a connection away before it registers: `bye` with a jittered
   * `retryAfter`, half-close, and the close grace. The session never
   * counted toward the connection limit.
   *
   * @param reason Why.
   */
  refuse(reason: "server_full" | "shutdown" | "too_many_connections"): void {
    const host = this.host;
    const options = host.options;
    this.#state = STATE_CLOSING;
    const retryAfter = jitteredRetryAfter({
      minMs: options.retryAfterMin,
      spreadMs: options.retryAfterSpread,
      random: host.random,
    });
    this.conn.write(encodeFrame({ type: "bye", reason, retryAfter }));
    this.conn.end(reason);
    host.graces.setDeadline(this, host.clock.now() + options.closeGrace);
  }

  /**
   * The liveness deadline passed: a timeout.
   *
   * @param nowMs The sweep's time, on the server's clock.
   */
  expired(nowMs: number): void {
    const host = this.host;
    host.events.timeout(this, nowMs - (host.epoch.epochMs + this.seenMs));
    this.close(TIMEOUT);
  }

  /** The grace deadline passed: the connection is cut. */
  graceOver(): void {
    this.conn.destroy();
  }

  /** The transport reported the connection closed. */
  closed(): void {
    if (this.#state === STATE_OPEN) this.close(CLOSED);
    this.#state = STATE_CLOSED;
    this.host.graces.remove(this);
    this.host.forget(this);
  }
}
