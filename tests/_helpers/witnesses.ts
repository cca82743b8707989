/**
 * The witness clients of the hostile tests: one implementation, shared with
 * the attack benchmark (`bench/attacks.ts`), which lives in
 * `bench/_witnesses.ts`.
 *
 * @module
 */

export {
  type WitnessOptions,
  type WitnessReport,
  Witnesses,
} from "../../bench/_witnesses.ts";
