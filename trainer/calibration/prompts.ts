/**
 * The held-out prompts the alignment tools use, as fixed disjoint subsets: `deno task calibrate`
 * measures calibration and quality curves on one, `deno task bench:align` checks the planner's cost
 * predictions and the aligners on the other (so the predictions are tested on prompts they never saw).
 *
 * @module
 */
import { heldOutPrompts } from "../corpus/mod.ts";
import type { EvalPrompt } from "../corpus/mod.ts";

/**
 * Every tenth held-out prompt (offset 5), then, for counts beyond those 25, prompts spread evenly over the
 * held-out prompts no calibration can use; the first `count`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchPrompts, calibrationPrompts } from "./prompts.ts";
 * const bench = benchPrompts(120);
 * assert.equal(new Set(bench.map((p) => p.id)).size, 120);
 * const calibration = new Set(calibrationPrompts(Infinity).map((p) => p.id));
 * assert.ok(bench.every((p) => !calibration.has(p.id)));
 * assert.deepEqual(benchPrompts(24), bench.slice(0, 24));
 * ```
 */
export function benchPrompts(count = 24): EvalPrompt[] {
  const all = heldOutPrompts();
  const first = all.filter((_, i) => i % 10 === 5);
  const calibration = new Set(calibrationPrompts(Infinity).map((prompt) => prompt.id));
  const rest = all.filter((prompt, i) => i % 10 !== 5 && !calibration.has(prompt.id));
  const extra = Math.min(rest.length, Math.max(0, count - first.length));
  const spread = Array.from({ length: extra }, (_, i) => rest[Math.floor((i * rest.length) / extra)]);
  return [...first, ...spread].slice(0, count);
}

/** Every third of the other held-out prompts, the first `count`. */
export function calibrationPrompts(count = 64): EvalPrompt[] {
  return heldOutPrompts().filter((_, i) => i % 10 !== 5).filter((_, i) => i % 3 === 0).slice(0, count);
}

/** Criteria calibrated (parameter-free ones; length and format depend on per-request parameters). */
export const CALIBRATED_CRITERIA = ["helpfulness", "harmlessness", "sentiment", "civility"];
/** Weightings tabulated in the quality curves. */
export const CURVE_WEIGHTINGS: Record<string, number>[] = [
  { helpfulness: 1 },
  { harmlessness: 1 },
  { sentiment: 1 },
  { civility: 1 },
  { helpfulness: 0.5, harmlessness: 0.5 },
  { helpfulness: 0.5, sentiment: 0.5 },
  { harmlessness: 0.5, sentiment: 0.5 },
  { helpfulness: 1 / 3, harmlessness: 1 / 3, sentiment: 1 / 3 },
];
/** max_tokens of the measured requests. */
export const CALIBRATION_MAX_TOKENS = 160;
