import assert from "node:assert/strict";
import { parseDuration } from "../../common/duration.ts";
import { probePeriodS } from "../../detection/mod.ts";
import {
  flagDuration,
  halfBelow,
  keepaliveWithin,
} from "../../doctor/_fixes.ts";
import { PRESETS } from "../../doctor/_presets.ts";
import { detectionSeconds } from "../../sysctl/mod.ts";

Deno.test("flagDuration() writes durations the command lines read back exactly", () => {
  for (
    const ms of [
      1,
      999,
      1000,
      1500,
      59_000,
      60_000,
      175_000,
      3_600_000,
      7_875_000,
    ]
  ) {
    assert.equal(parseDuration(flagDuration(ms)), ms, flagDuration(ms));
  }
  assert.equal(flagDuration(7_875_000), "2h11m15s");
  assert.equal(flagDuration(0), "0s");
});

Deno.test("halfBelow() gives whole seconds at most half the limit, and at least 1 s", () => {
  assert.equal(halfBelow(350_000), 175_000);
  assert.equal(halfBelow(61_000), 30_000);
  assert.equal(halfBelow(1000), 1000);
});

Deno.test("keepaliveWithin() plans probes that come before every preset's idle timeout", () => {
  for (const preset of PRESETS) {
    const fit = keepaliveWithin(preset.idleMs, 900_000);
    assert.ok(fit !== undefined, preset.id);
    assert.ok(
      probePeriodS(fit.plan.settings) < preset.idleMs / 1000,
      preset.id,
    );
    assert.ok(detectionSeconds(fit.plan.settings) <= 900, preset.id);
  }
  assert.equal(keepaliveWithin(4000, 900_000)?.plan.settings.time, 1);
  // Nothing probes more often than every second.
  assert.equal(keepaliveWithin(1000, 900_000), undefined);
});
