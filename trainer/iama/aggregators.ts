/**
 * Task aggregators g(R_1, …, R_K) and their gradients ∂g/∂R_k (IAMA.md §2 objective, §3 chain rule).
 *
 * Shapes: `values` [K] (one value per task) → a number (g) or [K] (∂g/∂R_k).
 *
 *     weighted sum   g = Σ λ_k R_k                          ∂g/∂R_k = λ_k
 *     min            g = min_k R_k                          ∂g/∂R_k = 1/|A| for k in the active set A
 *                                                            (the tasks attaining the minimum), else 0
 *     smooth min     g = −(1/γ)·log Σ λ_k e^{−γ R_k}        ∂g/∂R_k = λ_k e^{−γR_k} / Σ_j λ_j e^{−γR_j}
 *
 * λ defaults to 1/K for every task. Min's gradient is a subgradient; splitting ties evenly is the
 * *(project choice)* that keeps equal tasks symmetric. Smooth min is evaluated after shifting by min R, so
 * large γ neither overflows nor underflows; it tends to min as γ → ∞ (with any positive λ).
 *
 * @module
 */

import { assertFiniteGroup, assertPositive } from "./_validate.ts";

/** How tasks combine into the objective. `weights` (λ) default to 1/K each. */
export type Aggregator =
  | { kind: "weighted_sum"; weights?: readonly number[] }
  | { kind: "min" }
  | { kind: "smooth_min"; gamma: number; weights?: readonly number[] };

/**
 * g(R_1, …, R_K).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregate } from "./aggregators.ts";
 * assert.equal(aggregate({ kind: "weighted_sum" }, [0.5, 1]), 0.75);
 * assert.equal(aggregate({ kind: "min" }, [0.5, 1]), 0.5);
 * ```
 */
export function aggregate(aggregator: Aggregator, values: ArrayLike<number>): number {
  assertFiniteGroup(values, "task values");
  switch (aggregator.kind) {
    case "weighted_sum": {
      const weights = taskWeights(aggregator.weights, values.length);
      let sum = 0;
      for (let k = 0; k < values.length; k++) sum += weights[k] * values[k];
      return sum;
    }
    case "min":
      return Math.min(...Array.from(values));
    case "smooth_min": {
      const { gamma } = aggregator;
      const { lowest, shiftedSum } = smoothMinTerms(aggregator, values);
      return lowest - Math.log(shiftedSum.reduce((a, b) => a + b, 0)) / gamma;
    }
  }
}

/**
 * ∂g/∂R_k at `values`, one entry per task.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregateGradient } from "./aggregators.ts";
 * assert.deepEqual([...aggregateGradient({ kind: "min" }, [0.7, 0.2, 0.9])], [0, 1, 0]);
 * assert.deepEqual([...aggregateGradient({ kind: "weighted_sum", weights: [0.3, 0.7] }, [1, 2])], [0.3, 0.7]);
 * ```
 */
export function aggregateGradient(aggregator: Aggregator, values: ArrayLike<number>): Float64Array {
  assertFiniteGroup(values, "task values");
  const k = values.length;
  switch (aggregator.kind) {
    case "weighted_sum":
      return taskWeights(aggregator.weights, k);
    case "min": {
      const lowest = Math.min(...Array.from(values));
      const active = Float64Array.from(values, (v) => (v === lowest ? 1 : 0));
      const count = active.reduce((a, b) => a + b, 0);
      return active.map((v) => v / count);
    }
    case "smooth_min": {
      const { shiftedSum } = smoothMinTerms(aggregator, values);
      const total = shiftedSum.reduce((a, b) => a + b, 0);
      return shiftedSum.map((v) => v / total);
    }
  }
}

/** λ_k e^{−γ(R_k − min R)} per task, and min R. */
function smoothMinTerms(
  aggregator: Extract<Aggregator, { kind: "smooth_min" }>,
  values: ArrayLike<number>,
): { lowest: number; shiftedSum: Float64Array } {
  assertPositive(aggregator.gamma, "smooth_min gamma");
  const weights = taskWeights(aggregator.weights, values.length);
  const lowest = Math.min(...Array.from(values));
  const shiftedSum = weights.map((w, k) => w * Math.exp(-aggregator.gamma * (values[k] - lowest)));
  return { lowest, shiftedSum };
}

function taskWeights(weights: readonly number[] | undefined, taskCount: number): Float64Array {
  if (weights === undefined) return new Float64Array(taskCount).fill(1 / taskCount);
  if (weights.length !== taskCount) {
    throw new RangeError(`aggregator has ${weights.length} weights for ${taskCount} tasks`);
  }
  for (let k = 0; k < taskCount; k++) {
    if (!(weights[k] >= 0 && weights[k] < Infinity)) {
      throw new RangeError(`aggregator weights must be finite and ≥ 0, weights[${k}] = ${weights[k]}`);
    }
  }
  return Float64Array.from(weights);
}
