/**
 * Lifeline's wire protocol: UTF-8, newline-delimited JSON, one object per
 * line with a `type` field, plus the Go project guobinqiu/tcp-heartbeat's
 * concatenated-JSON frames, told apart by a connection's first bytes. The
 * frames and their validation, the encoders, the two stream decoders and
 * the shared defaults. The full description is in `docs/protocol.md`.
 *
 * @example Decode a stream of frames and validate them
 * ```ts
 * import { LineDecoder, parseClientFrame } from "@lifeline/lifeline/protocol";
 * const decoder = new LineDecoder({ maxFrameBytes: 1024 });
 * const bytes = new TextEncoder().encode('{"type":"hello","name":"A"}\n');
 * decoder.push(bytes, (line) => console.log(parseClientFrame(line)));
 * ```
 *
 * @module
 */

export * from "./defaults.ts";
export * from "./frames.ts";
export * from "./parse.ts";
export * from "./fast_ping.ts";
export * from "./encode.ts";
export * from "./frame_decoder.ts";
export * from "./line_decoder.ts";
export * from "./go_frame_decoder.ts";
export * from "./sniff.ts";
export * from "./websocket.ts";
