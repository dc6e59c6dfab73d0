/**
 * Best-of-N (IAMA.md §1 `BoN_N`): draw N candidates in one engine request and return the one with the
 * highest aggregate score (ties → lowest index; NaN only when every aggregate is NaN).
 *
 * @module
 */
import type { Aligner, Cost, CostParams } from "./aligner.ts";
import { argmaxIndex } from "./choice.ts";
import { batchCost } from "./cost.ts";
import { checkCount, runOneBatch } from "./_one_batch.ts";

/** Options of {@link createBestOfN}. */
export interface BestOfNOptions {
  /** Candidates drawn (≥ 1). */
  n: number;
}

/**
 * Best-of-N.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBestOfN } from "./best_of_n.ts";
 * const bon = createBestOfN({ n: 4 });
 * assert.deepEqual(bon.estimateCost({ promptTokens: 4, maxTokens: 5, criteriaCount: 2 }), {
 *   forwardPasses: 5,
 *   prefillTokens: 4,
 *   generatedTokens: 20,
 *   rewardEvaluations: 8,
 * });
 * ```
 */
export function createBestOfN(options: BestOfNOptions): Aligner {
  checkCount(options.n, "n");
  const n = options.n;
  const aligner: Aligner = {
    name: "best_of_n",
    params: { n },
    estimateCost: (params: CostParams): Cost => batchCost(params, n, 1, true),
    run: (task, context) => runOneBatch(aligner, n, (scores) => argmaxIndex(scores), task, context),
  };
  return aligner;
}
