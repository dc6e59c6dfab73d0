/**
 * Group-relative advantages (IAMA.md §4, step 4).
 *
 * Shapes: `rewards` [M] (r̃ of one group) → `advantages` [M].
 *
 *     A_j = (r̃_j − mean(r̃)) / (std(r̃) + ε)     with std scaling (the GRPO default)
 *     A_j =  r̃_j − mean(r̃)                      without (Dr. GRPO style)
 *
 * std is the population standard deviation (divide by M) *(project choice: defined for M = 1, where
 * every advantage is 0)*. The result says which normalisation was applied, so training logs can report it.
 *
 * @module
 */

import { assertFiniteGroup } from "./_validate.ts";

/** `scaleByStd` defaults to true, `epsilon` to 1e-4. */
export type AdvantageOptions = { scaleByStd?: boolean; epsilon?: number };

/** Advantages [M] plus the group statistics and the normalisation used. */
export type GroupAdvantages = {
  advantages: Float64Array;
  mean: number;
  std: number;
  normalization: "mean_and_std" | "mean_only";
};

/**
 * A_j for one group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupRelativeAdvantages } from "./advantages.ts";
 * const centred = groupRelativeAdvantages([1, 3], { scaleByStd: false });
 * assert.deepEqual([...centred.advantages], [-1, 1]);
 * assert.equal(centred.normalization, "mean_only");
 * ```
 */
export function groupRelativeAdvantages(
  rewards: Float64Array | readonly number[],
  options: AdvantageOptions = {},
): GroupAdvantages {
  assertFiniteGroup(rewards, "rewards");
  const { scaleByStd = true, epsilon = 1e-4 } = options;
  if (!(epsilon >= 0 && epsilon < Infinity)) {
    throw new RangeError(`epsilon must be finite and ≥ 0, got ${epsilon}`);
  }
  const normalization = scaleByStd ? "mean_and_std" : "mean_only";
  const m = rewards.length;
  let mean = 0;
  let constant = true;
  for (let j = 0; j < m; j++) {
    mean += rewards[j];
    constant &&= rewards[j] === rewards[0];
  }
  mean /= m;
  // A constant group carries no signal; its rounded mean may differ from the rewards in the last bit.
  if (constant) return { advantages: new Float64Array(m), mean: rewards[0], std: 0, normalization };
  let variance = 0;
  for (let j = 0; j < m; j++) variance += (rewards[j] - mean) ** 2;
  const std = Math.sqrt(variance / m);
  const scale = scaleByStd ? 1 / (std + epsilon) : 1;
  const advantages = Float64Array.from(rewards, (r) => (r - mean) * scale);
  return { advantages, mean, std, normalization };
}
