/**
 * The zod schema of the server's frames, which clients use to validate
 * what they read. It is written with `zod/mini`, zod's tree-shakable
 * form, because it ships in the browser client's bundle: with the same
 * checks and messages, it bundles to about 20 KB where zod's classic API
 * takes 440 KB. (The server's schemas of client frames, in `_schemas.ts`,
 * stay on the classic API.)
 *
 * @module
 */

import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import type { ServerFrame } from "./frames.ts";

// The English messages ("Invalid input: expected number, received
// string"), which zod's classic API sets on import and zod/mini does not.
z.config(en());

const seqSchema = z.int().check(
  z.minimum(0),
  z.maximum(Number.MAX_SAFE_INTEGER),
);

/** Schema of any server frame. */
export const serverFrameSchema: z.ZodMiniType<ServerFrame> = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("welcome"),
      id: z.string(),
      interval: z.int().check(z.positive()),
      timeout: z.int().check(z.positive()),
    }),
    z.object({ type: z.literal("pong"), seq: seqSchema }),
    z.object({ type: z.literal("msg"), from: z.string(), body: z.string() }),
    z.object({
      type: z.literal("presence"),
      name: z.string(),
      state: z.enum(["online", "suspect", "offline"]),
      reason: z.optional(
        z.enum(["closed", "timeout", "replaced", "shutdown", "node_lost"]),
      ),
      silentMs: z.optional(z.number().check(z.minimum(0))),
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
      retryAfter: z.optional(z.int().check(z.minimum(0))),
    }),
  ]) as unknown as z.ZodMiniType<ServerFrame>;
