/**
 * What the two wire formats' stream decoders have in common: bytes in as
 * they arrive, whole frames out, a bound on a frame's size.
 *
 * @module
 */

/** What a decoder's `push` found in a chunk. */
export type PushResult = "ok" | "frame_too_large";

/**
 * A streaming decoder of frames of type `F`. {@link LineDecoder} gives the
 * lines of Lifeline's ndjson, {@link GoFrameDecoder} the objects of the Go
 * project's concatenated JSON.
 *
 * @typeParam F What one frame decodes to.
 */
export interface FrameDecoder<F> {
  /** Whether bytes of an unfinished frame are buffered. */
  readonly hasPartialFrame: boolean;
  /**
   * Feeds one chunk; calls `onFrame` for every complete frame in order,
   * with `thisArg` as `this` (so a caller with one state object per
   * connection needs no closure per connection). Stops at the first frame
   * over the limit and returns `"frame_too_large"`; the decoder should then
   * be discarded with its connection.
   *
   * @typeParam T The type of `thisArg`.
   * @param chunk Bytes as read from the socket; not kept past the call.
   * @param onFrame Called with each frame.
   * @param thisArg `this` for `onFrame`.
   * @returns `"ok"`, or `"frame_too_large"`.
   */
  push<T>(
    chunk: Uint8Array,
    onFrame: (this: T, frame: F) => void,
    thisArg?: T,
  ): PushResult;
}
