/**
 * Zod schemas of the frames, used at the protocol boundary. Internal: the
 * public API exposes validation functions, not zod types.
 *
 * @module
 */

import { z } from "zod";
import {
  type ClientByeFrame,
  type ClientMsgFrame,
  type HelloFrame,
  MAX_NAMES_PER_WATCH,
  MAX_TOKEN_LENGTH,
  NAME_PATTERN,
  type PingFrame,
  type RefreshFrame,
  type ServerFrame,
  type UnwatchFrame,
  type WatchFrame,
} from "./frames.ts";

const nameSchema = z.string().regex(
  NAME_PATTERN,
  "a name is 1 to 64 characters from A-Z a-z 0-9 _ - .",
);

const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const tokenSchema = z.string().min(1).max(
  MAX_TOKEN_LENGTH,
  `a token is at most ${MAX_TOKEN_LENGTH} characters`,
);

const namesSchema = z.array(nameSchema).min(1).max(
  MAX_NAMES_PER_WATCH,
  `at most ${MAX_NAMES_PER_WATCH} names per frame`,
);

/** Schemas of the client frames, by `type`. */
export const clientFrameSchemas: {
  readonly hello: z.ZodType<HelloFrame>;
  readonly ping: z.ZodType<PingFrame>;
  readonly msg: z.ZodType<ClientMsgFrame>;
  readonly watch: z.ZodType<WatchFrame>;
  readonly unwatch: z.ZodType<UnwatchFrame>;
  readonly bye: z.ZodType<ClientByeFrame>;
  readonly refresh: z.ZodType<RefreshFrame>;
} = {
  hello: z.strictObject({
    type: z.literal("hello"),
    name: nameSchema,
    token: tokenSchema.optional(),
  }),
  ping: z.strictObject({ type: z.literal("ping"), seq: seqSchema }),
  msg: z.strictObject({
    type: z.literal("msg"),
    to: nameSchema.optional(),
    body: z.string(),
  }),
  watch: z.strictObject({ type: z.literal("watch"), names: namesSchema }),
  unwatch: z.strictObject({ type: z.literal("unwatch"), names: namesSchema }),
  bye: z.strictObject({ type: z.literal("bye") }),
  refresh: z.strictObject({ type: z.literal("refresh"), token: tokenSchema }),
};

/** Schema of any server frame. */
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
      state: z.enum(["online", "suspect", "offline"]),
      reason: z.enum(["closed", "timeout", "replaced", "shutdown", "node_lost"])
        .optional(),
      silentMs: z.number().min(0).optional(),
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
        "too_many_watches",
        "auth_failed",
        "rate_limited",
        "cluster_unavailable",
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
        "too_many_connections",
        "auth_failed",
        "token_expired",
        "rate_limited",
      ]),
      retryAfter: z.number().int().min(0).optional(),
    }),
  ],
);
