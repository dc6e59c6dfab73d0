/**
 * Soft best-of-N (IAMA.md §1 `SoftBoN_τ`, exponential tilting): draw N candidates in one engine request
 * and choose index i with probability softmax(r/τ)_i, with the request's choice generator.
 *
 * @module
 */
import type { Aligner, Cost, CostParams } from "./aligner.ts";
import { softmaxChoice } from "./choice.ts";
import { batchCost } from "./cost.ts";
import { checkCount, runOneBatch } from "./_one_batch.ts";

/** Options of {@link createSoftBestOfN}. */
export interface SoftBestOfNOptions {
  /** Candidates drawn (≥ 1). */
  n: number;
  /** Temperature τ > 0 (τ → 0: best-of-N; τ → ∞: plain sampling). */
  temperature: number;
}

/**
 * Soft best-of-N.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSoftBestOfN } from "./soft_best_of_n.ts";
 * const soft = createSoftBestOfN({ n: 4, temperature: 0.5 });
 * assert.equal(soft.estimateCost({ promptTokens: 4, maxTokens: 5, criteriaCount: 1 }).generatedTokens, 20);
 * assert.throws(() => createSoftBestOfN({ n: 4, temperature: 0 }), /τ/);
 * ```
 */
export function createSoftBestOfN(options: SoftBestOfNOptions): Aligner {
  checkCount(options.n, "n");
  const { n, temperature } = options;
  if (!(temperature > 0)) throw new RangeError(`temperature τ must be > 0, got ${temperature}`);
  const aligner: Aligner = {
    name: "soft_best_of_n",
    params: { n, temperature },
    estimateCost: (params: CostParams): Cost => batchCost(params, n, 1, true),
    run: (task, context) =>
      runOneBatch(aligner, n, (scores, rng) => softmaxChoice(scores, temperature, rng), task, context),
  };
  return aligner;
}
