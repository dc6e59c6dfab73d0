/**
 * Plain sampling: the trivial aligner (IAMA.md §1, N = 1). One candidate, returned as is; scored
 * only when asked, so its receipt can show the criteria anyway.
 *
 * @module
 */
import type { Aligner, Cost, CostParams } from "./aligner.ts";
import { batchCost } from "./cost.ts";
import { runOneBatch } from "./_one_batch.ts";

/** Options of {@link createPlainSampling}. */
export interface PlainSamplingOptions {
  /** Score the candidate under the task's criteria for the receipt (default false). */
  score?: boolean;
}

/**
 * Plain sampling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPlainSampling } from "./plain_sampling.ts";
 * const plain = createPlainSampling();
 * assert.deepEqual(plain.estimateCost({ promptTokens: 4, maxTokens: 5, criteriaCount: 2 }), {
 *   forwardPasses: 5,
 *   prefillTokens: 4,
 *   generatedTokens: 5,
 *   rewardEvaluations: 0,
 * });
 * ```
 */
export function createPlainSampling(options: PlainSamplingOptions = {}): Aligner {
  const score = options.score ?? false;
  const aligner: Aligner = {
    name: "plain_sampling",
    params: { n: 1, score },
    estimateCost: (params: CostParams): Cost => batchCost(params, 1, 1, score),
    run: (task, context) => runOneBatch(aligner, 1, score ? () => 0 : undefined, task, context),
  };
  return aligner;
}
