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
  NAME_RULE,
  type PingFrame,
  type RefreshFrame,
  type UnwatchFrame,
  type WatchFrame,
} from "./frames.ts";

const nameSchema = z.string().regex(
  NAME_PATTERN,
  `a name is ${NAME_RULE}`,
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
