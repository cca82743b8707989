import assert from "node:assert/strict";
import { type LogOutput, LogWriter } from "../../server/_log_writer.ts";

const decoder = new TextDecoder();

/** An output whose writes wait until `release()`. */
function blockedOutput(): LogOutput & { text: string; release(): void } {
  let gate = Promise.withResolvers<void>();
  const output = {
    text: "",
    async write(bytes: Uint8Array): Promise<number> {
      await gate.promise;
      output.text += decoder.decode(bytes);
      return bytes.length;
    },
    release() {
      gate.resolve();
    },
    block() {
      gate = Promise.withResolvers<void>();
    },
  };
  return output;
}

Deno.test("LogWriter.write() never waits for the output; lines past the buffer are dropped, counted, and told where they are missing", async () => {
  const output = blockedOutput();
  const log = new LogWriter({
    output,
    maxBufferBytes: 30,
    droppedNotice: (n) => `[${n} dropped]`,
  });
  log.write("line 1"); // taken by the pump, its write blocks
  log.write("line 2");
  log.write("line 3");
  log.write("line 4"); // 4 lines of 7: 28 of 30
  log.write("line 5");
  log.write("line 6");
  assert.equal(log.droppedTotal, 2);
  output.release();
  await log.flush();
  assert.equal(
    output.text,
    "line 1\nline 2\nline 3\nline 4\n[2 dropped]\n",
  );
  log.write("line 7");
  await log.flush();
  assert.equal(output.text.endsWith("[2 dropped]\nline 7\n"), true);
  assert.equal(log.droppedTotal, 2);
});

Deno.test("LogWriter puts the notice before the first line it accepts again", async () => {
  const output = blockedOutput();
  const log = new LogWriter({
    output,
    maxBufferBytes: 14,
    droppedNotice: (n) => `[${n} dropped]`,
  });
  log.write("a"); // in the pump
  log.write("bbbbbbbbbb"); // 13 of 14
  log.write("c"); // dropped
  output.release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  log.write("d");
  await log.flush();
  assert.equal(output.text, "a\nbbbbbbbbbb\n[1 dropped]\nd\n");
});

Deno.test("LogWriter.flush() gives up after its timeout while the output stays blocked, and a failed output only drops lines", async () => {
  const output = blockedOutput();
  const log = new LogWriter({ output, droppedNotice: (n) => `${n}` });
  log.write("stuck");
  const start = performance.now();
  await log.flush(50);
  assert.ok(performance.now() - start < 1000);
  output.release();
  await log.flush();

  const failing = new LogWriter({
    output: { write: () => Promise.reject(new Error("Broken pipe")) },
    droppedNotice: (n) => `${n}`,
  });
  failing.write("one");
  failing.write("two");
  await failing.flush();
  failing.write("three");
  assert.equal(failing.droppedTotal, 3);
});
