import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ApplyError,
  applyKeepalive,
  restoreKeepalive,
} from "../../sysctl/mod.ts";
import { tempRoot } from "./_helpers.ts";

Deno.test("restore removes a file that the last apply created", async () => {
  await using t = await tempRoot();
  const options = {
    root: t.root,
    procDir: t.proc,
    file: "/etc/sysctl.d/60-keepalive.conf",
  };
  await applyKeepalive({ time: 120 }, { ...options, scope: "file" });
  assert.match(await t.read(options.file), /tcp_keepalive_time = 120/);
  await restoreKeepalive({ ...options, scope: "file" });
  await assert.rejects(() => t.read(options.file), Deno.errors.NotFound);
  await Deno.mkdir(join(t.root, "empty"));
  await assert.rejects(
    () => restoreKeepalive({ root: join(t.root, "empty") }),
    (error: Error) =>
      error instanceof ApplyError && /no backup/.test(error.message),
  );
});
