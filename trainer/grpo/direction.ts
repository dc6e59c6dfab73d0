/**
 * How much of the policy's change from the reference points along a step's objective direction: the
 * within-group correlation of each rollout's log-ratio d(y) = log π(y|x) − log π_ref(y|x) with its
 * advantage. To first order (docs/iama.md, "a first-order reading"), an objective gains at a given KL in
 * proportion to this correlation, so a method whose policy follows its direction less faithfully gains
 * less per nat. Logged every step as `directionFidelity`.
 *
 * @module
 */
import type { PolicyMicroBatch } from "./sequences.ts";

/**
 * The within-group correlation of `a` and `b`, pooled over groups: Σ_g Cov_g(a, b) / √(Σ_g Var_g(a) ·
 * Σ_g Var_g(b)), each group's values centred on that group's mean (so a per-group offset does not count).
 * NaN when either side has no within-group variation.
 *
 * @example
 * ```ts
 * import { pooledCorrelation } from "./direction.ts";
 * // Per-group offsets do not count: within each group b = 2a.
 * const r = pooledCorrelation([[1, 2, 3], [5, 7]], [[12, 14, 16], [0, 4]]);
 * if (Math.abs(r - 1) > 1e-12) throw new Error(String(r));
 * ```
 */
export function pooledCorrelation(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
): number {
  if (a.length !== b.length || a.some((row, g) => row.length !== b[g].length)) {
    throw new RangeError("pooledCorrelation needs the same shape on both sides");
  }
  const centred = (values: readonly number[]) => {
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    return values.map((v) => v - mean);
  };
  let [ab, aa, bb] = [0, 0, 0];
  a.forEach((row, g) => {
    const [x, y] = [centred(row), centred(b[g])];
    x.forEach((value, j) => {
      ab += value * y[j];
      aa += value * value;
      bb += y[j] * y[j];
    });
  });
  return aa === 0 || bb === 0 ? NaN : ab / Math.sqrt(aa * bb);
}

/**
 * Per row of the packed batches, in row order: Σ over its completion tokens (weight > 0) of
 * `logprobs` − `refLogprobs`, the sequence's log-ratio log π(y|x) − log π_ref(y|x).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packPolicyRows } from "./sequences.ts";
 * import { sequenceLogRatios } from "./direction.ts";
 * // One row: prompt [5, 6], completion [7, 0]; targets 6, 7, 0 of which 7 and 0 are the completion.
 * const batches = packPolicyRows([{ tokens: [5, 6, 7, 0], promptLength: 2, advantage: 1 }], 8, 9);
 * const ratios = sequenceLogRatios(batches, [Float32Array.of(-1, -2, -3)], [Float32Array.of(-9, -2.5, -2)]);
 * assert.deepEqual(ratios, [(-2 + 2.5) + (-3 + 2)]);
 * ```
 */
export function sequenceLogRatios(
  batches: readonly PolicyMicroBatch[],
  logprobs: readonly Float32Array[],
  refLogprobs: readonly Float32Array[],
): number[] {
  const ratios: number[] = [];
  batches.forEach((batch, i) => {
    for (let row = 0; row < batch.batchSize; row++) {
      let sum = 0;
      for (let t = row * batch.seqLength; t < (row + 1) * batch.seqLength; t++) {
        if (batch.tokenWeights[t] > 0) sum += logprobs[i][t] - refLogprobs[i][t];
      }
      ratios.push(sum);
    }
  });
  return ratios;
}

/**
 * The step's direction fidelity: `pooledCorrelation` of the rollouts' log-ratios with their advantages,
 * grouped as the groups' sizes say (rows in group order). Null when it is undefined: the policy still
 * equals the reference on these samples (the first step), or every advantage in every group is equal.
 */
export function directionFidelity(
  groupSizes: readonly number[],
  logRatios: readonly number[],
  advantages: readonly number[],
): number | null {
  const split = (values: readonly number[]) => {
    let start = 0;
    return groupSizes.map((size) => values.slice(start, start += size));
  };
  const r = pooledCorrelation(split(logRatios), split(advantages));
  return Number.isFinite(r) ? r : null;
}
