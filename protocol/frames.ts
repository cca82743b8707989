/**
 * The frames of Lifeline's wire protocol and their zod schemas: what a client
 * may send, what the server sends back. See `docs/protocol.md`.
 *
 * @module
 */

import { z } from "zod";

/** Characters allowed in a client name: letters, digits, `_`, `-` and `.`. */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Schema of a client name: 1 to 64 characters from {@link NAME_PATTERN}.
 *
 * @example Validate a name
 * ```ts
 * import { nameSchema } from "@lifeline/lifeline/protocol";
 * console.log(nameSchema.safeParse("alice").success); // true
 * ```
 */
export const nameSchema: z.ZodString = z.string().regex(
  NAME_PATTERN,
  "a name is 1 to 64 characters from A-Z a-z 0-9 _ - .",
);

/** `hello {name}`: the first frame a client sends. */
export interface HelloFrame {
  /** The frame type. */
  type: "hello";
  /** The client's name, 1 to 64 characters from {@link NAME_PATTERN}. */
  name: string;
}

/** `ping {seq}`: a heartbeat; the server answers `pong` with the same `seq`. */
export interface PingFrame {
  /** The frame type. */
  type: "ping";
  /** A sequence number chosen by the client, echoed in the `pong`. */
  seq: number;
}

/** `msg {to?, body}` from a client: to one client by name, or to all others. */
export interface ClientMsgFrame {
  /** The frame type. */
  type: "msg";
  /** The recipient's name; without it, every other client. */
  to?: string;
  /** The message text. */
  body: string;
}

/** Any frame a client may send. */
export type ClientFrame = HelloFrame | PingFrame | ClientMsgFrame;

/** `welcome {id, interval, timeout}`: the server's heartbeat policy, in ms. */
export interface WelcomeFrame {
  /** The frame type. */
  type: "welcome";
  /** The connection's id, unique within the server process. */
  id: string;
  /** How often the client should ping, in milliseconds. */
  interval: number;
  /** How long the server waits for any frame before it drops the client, in milliseconds. */
  timeout: number;
}

/** `pong {seq}`: the answer to a `ping`. */
export interface PongFrame {
  /** The frame type. */
  type: "pong";
  /** The `seq` of the ping being answered. */
  seq: number;
}

/** `msg {from, body}` from the server: a message relayed from another client. */
export interface ServerMsgFrame {
  /** The frame type. */
  type: "msg";
  /** The sender's name. */
  from: string;
  /** The message text. */
  body: string;
}

/** Why a client went offline. */
export type OfflineReason = "closed" | "timeout" | "replaced" | "shutdown";

/** `presence {name, state, reason?}`: a client came online or went offline. */
export interface PresenceFrame {
  /** The frame type. */
  type: "presence";
  /** The client's name. */
  name: string;
  /** Whether the client is now online or offline. */
  state: "online" | "offline";
  /** Why it went offline; only with `state: "offline"`. */
  reason?: OfflineReason;
}

/** Error codes the server sends in `error` frames. */
export type ErrorCode =
  | "frame_too_large"
  | "invalid_json"
  | "invalid_frame"
  | "unknown_type"
  | "hello_required"
  | "duplicate_hello"
  | "unknown_recipient"
  | "too_many_pings"
  | "too_many_errors"
  | "server_full";

/** `error {code, message}`: something the client sent was refused. */
export interface ErrorFrame {
  /** The frame type. */
  type: "error";
  /** A stable, machine-readable code. */
  code: ErrorCode;
  /** A sentence for people. */
  message: string;
}

/** Why the server is closing a connection. */
export type ByeReason =
  | "replaced"
  | "shutdown"
  | "timeout"
  | "too_many_pings"
  | "protocol_error"
  | "server_full";

/** `bye {reason, retryAfter?}`: the server is closing this connection. */
export interface ByeFrame {
  /** The frame type. */
  type: "bye";
  /** Why the connection is being closed. */
  reason: ByeReason;
  /** Milliseconds the client should wait before reconnecting. */
  retryAfter?: number;
}

/** Any frame the server may send. */
export type ServerFrame =
  | WelcomeFrame
  | PongFrame
  | ServerMsgFrame
  | PresenceFrame
  | ErrorFrame
  | ByeFrame;

const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Zod schemas of the client frames, by `type`.
 *
 * @example Validate a ping
 * ```ts
 * import { clientFrameSchemas } from "@lifeline/lifeline/protocol";
 * const result = clientFrameSchemas.ping.safeParse({ type: "ping", seq: 1 });
 * console.log(result.success); // true
 * ```
 */
export const clientFrameSchemas: {
  readonly hello: z.ZodType<HelloFrame>;
  readonly ping: z.ZodType<PingFrame>;
  readonly msg: z.ZodType<ClientMsgFrame>;
} = {
  hello: z.strictObject({ type: z.literal("hello"), name: nameSchema }),
  ping: z.strictObject({ type: z.literal("ping"), seq: seqSchema }),
  msg: z.strictObject({
    type: z.literal("msg"),
    to: nameSchema.optional(),
    body: z.string(),
  }),
};

/**
 * Zod schema of any server frame, for clients that validate what they read.
 *
 * @example Validate a pong
 * ```ts
 * import { serverFrameSchema } from "@lifeline/lifeline/protocol";
 * console.log(serverFrameSchema.safeParse({ type: "pong", seq: 3 }).success); // true
 * ```
 */
export const serverFrameSchema: z.ZodType<ServerFrame> = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("welcome"),
      id: z.string(),
      interval: z.number().int().positive(),
      timeout: z.number().int().positive(),
    }),
    z.object({ type: z.literal("pong"), seq: seqSchema }),
    z.object({ type: z.literal("msg"), from: z.string(), body: z.string() }),
    z.object({
      type: z.literal("presence"),
      name: z.string(),
      state: z.enum(["online", "offline"]),
      reason: z.enum(["closed", "timeout", "replaced", "shutdown"]).optional(),
    }),
    z.object({
      type: z.literal("error"),
      code: z.enum([
        "frame_too_large",
        "invalid_json",
        "invalid_frame",
        "unknown_type",
        "hello_required",
        "duplicate_hello",
        "unknown_recipient",
        "too_many_pings",
        "too_many_errors",
        "server_full",
      ]),
      message: z.string(),
    }),
    z.object({
      type: z.literal("bye"),
      reason: z.enum([
        "replaced",
        "shutdown",
        "timeout",
        "too_many_pings",
        "protocol_error",
        "server_full",
      ]),
      retryAfter: z.number().int().min(0).optional(),
    }),
  ],
);
