/**
 * The aggregator chain rule on one group (IAMA.md §3, "Several tasks"): the per-sample reward non-linear
 * GRPO trains on when the objective is g(R_1, …, R_K).
 *
 * Shapes: `gradient` [K] (∂g/∂R_k at the plug-in values), `firstVariations` K × [M] → [M].
 *
 *     r̃_j = Σ_k (∂g/∂R_k)(R̂_1, …, R̂_K) · r̃_{k,j}
 *
 * @module
 */

import { aggregate, aggregateGradient, type Aggregator } from "./aggregators.ts";
import { assertFiniteGroup } from "./_validate.ts";

/** One task's plug-in estimate on a group: its value R̂_k and first variation r̃_k [M]. */
export type TaskEstimate = { value: number; firstVariation: Float64Array };

/** What {@linkcode nonLinearRewards} returns: r̃ [M], R̂ [K], ∂g/∂R̂ [K] and g(R̂). */
export type NonLinearRewards = {
  rewards: Float64Array;
  taskValues: Float64Array;
  gradient: Float64Array;
  objective: number;
};

/**
 * Σ_k gradient[k] · firstVariations[k][j] for every sample j.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { combineFirstVariations } from "./chain_rule.ts";
 * const combined = combineFirstVariations([0.25, 0.75], [Float64Array.of(4, 0), Float64Array.of(0, 4)]);
 * assert.deepEqual([...combined], [1, 3]);
 * ```
 */
export function combineFirstVariations(
  gradient: ArrayLike<number>,
  firstVariations: readonly Float64Array[],
): Float64Array {
  if (firstVariations.length === 0 || gradient.length !== firstVariations.length) {
    throw new RangeError(`${gradient.length} gradient entries for ${firstVariations.length} tasks`);
  }
  assertFiniteGroup(gradient, "gradient");
  const m = firstVariations[0].length;
  const combined = new Float64Array(m);
  firstVariations.forEach((variation, k) => {
    if (variation.length !== m) {
      throw new RangeError(`task ${k} has ${variation.length} samples, task 0 has ${m}`);
    }
    const weight = gradient[k];
    for (let j = 0; j < m; j++) combined[j] += weight * variation[j];
  });
  return combined;
}

/**
 * The chain rule at the plug-in values: ∂g/∂R_k evaluated at (R̂_1..R̂_K), then combined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonLinearRewards } from "./chain_rule.ts";
 * const result = nonLinearRewards({ kind: "min" }, [
 *   { value: 0.9, firstVariation: Float64Array.of(1, 2) },
 *   { value: 0.4, firstVariation: Float64Array.of(5, 3) },
 * ]);
 * assert.deepEqual([...result.rewards], [5, 3]); // the active (worst) task alone
 * assert.equal(result.objective, 0.4);
 * ```
 */
export function nonLinearRewards(
  aggregator: Aggregator,
  estimates: readonly TaskEstimate[],
): NonLinearRewards {
  const taskValues = Float64Array.from(estimates, (estimate) => estimate.value);
  const gradient = aggregateGradient(aggregator, taskValues);
  return {
    rewards: combineFirstVariations(gradient, estimates.map((estimate) => estimate.firstVariation)),
    taskValues,
    gradient,
    objective: aggregate(aggregator, taskValues),
  };
}
