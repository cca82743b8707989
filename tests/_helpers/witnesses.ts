/**
 * The witness clients of the hostile tests: one implementation, shared with
 * the attack benchmark (`bench/attacks.ts`), which lives in
 * `bench/_witnesses.ts`.
 *
 * @module
 */

export {
  Witnesses,
  type WitnessOptions,
  type WitnessReport,
} from "../../bench/_witnesses.ts";
