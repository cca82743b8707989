import assert from "node:assert/strict";
import { eachLine } from "../../transport/_each_line.ts";

Deno.test("eachLine() sends each frame of a write as its own message, skipping empty lines and keeping a last line without its newline", () => {
  const sent: string[] = [];
  eachLine('{"a":1}\n\n{"b":2}\n{"c":3}', (line) => sent.push(line));
  assert.deepEqual(sent, ['{"a":1}', '{"b":2}', '{"c":3}']);
  eachLine("", (line) => sent.push(line));
  eachLine("\n\n", (line) => sent.push(line));
  assert.equal(sent.length, 3);
});
