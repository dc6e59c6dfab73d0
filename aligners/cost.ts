/**
 * Compute predicted for candidate batches, from the engine's accounting (models/engine/scheduler):
 * a request prefills its prompt in ⌈P / chunk⌉ forward passes, the last of which yields every
 * candidate's first token, then runs one batched decode pass per further token:
 *
 *     forwardPasses    = batches · (⌈P / chunk⌉ + maxTokens − 1)
 *     generatedTokens  = batches · n · maxTokens
 *     rewardEvaluations = batches · n · criteriaCount     (when the candidates are scored)
 *
 * Exact for a request that runs alone and generates `maxTokens` per candidate; an upper bound when
 * candidates stop early.
 *
 * @module
 */
import type { Cost, CostParams } from "./aligner.ts";

/** Default prompt tokens per prefill pass (createEngine's `prefillChunkTokens`). */
export const DEFAULT_PREFILL_CHUNK_TOKENS = 128;

/**
 * Predicted cost of `batches` engine requests of `n` candidates each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchCost } from "./cost.ts";
 * assert.deepEqual(batchCost({ promptTokens: 10, maxTokens: 8, criteriaCount: 2 }, 4, 1, true), {
 *   forwardPasses: 8,
 *   generatedTokens: 32,
 *   rewardEvaluations: 8,
 * });
 * ```
 */
export function batchCost(params: CostParams, n: number, batches: number, scored: boolean): Cost {
  const chunk = params.prefillChunkTokens ?? DEFAULT_PREFILL_CHUNK_TOKENS;
  const prefillPasses = Math.max(1, Math.ceil(params.promptTokens / chunk));
  return {
    forwardPasses: batches * (prefillPasses + Math.max(0, params.maxTokens - 1)),
    generatedTokens: batches * n * params.maxTokens,
    rewardEvaluations: scored ? batches * n * params.criteriaCount : 0,
  };
}
