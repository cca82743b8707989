/**
 * Reads a byte stream line by line: the harness reads its servers' logs and
 * its load workers' reports this way, and a load worker its commands.
 *
 * @module
 */

/**
 * Yields each line of a stream of UTF-8 text, without its newline; a last
 * line without a newline is yielded too.
 *
 * @param stream The bytes.
 * @returns The lines, as they arrive.
 *
 * @example
 * ```ts
 * import { readLines } from "./_lines.ts";
 * const bytes = new Blob(["one\ntw", "o\nthree"]).stream();
 * for await (const line of readLines(bytes)) console.log(line); // one, two, three
 * ```
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered !== "") yield buffered;
}
