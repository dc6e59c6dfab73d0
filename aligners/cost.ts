/**
 * Compute predicted for candidate batches, from the engine's accounting (models/engine/scheduler):
 * a request that runs alone prefills its whole prompt in one forward pass, which yields every
 * candidate's first token, then runs one batched decode pass per further token:
 *
 *     forwardPasses    = batches · maxTokens
 *     prefillTokens    = promptTokens + (batches − 1) · prefilled(promptTokens, promptTokens)
 *     generatedTokens  = batches · n · maxTokens
 *     rewardEvaluations = batches · n · criteriaCount     (when the candidates are scored)
 *
 * Exact for a request that runs alone and generates `maxTokens` per candidate; an upper bound on tokens
 * when candidates stop early. (While other requests decode, the scheduler prefills a long prompt in
 * chunks of `prefillChunkTokens` to bound their latency; those extra passes are shared with the other
 * requests' decoding and are not predicted here.) Prefills follow the engine's prefix cache
 * (models/engine/prefix_reuse.ts): a request's own earlier requests are cached, nothing else, so a second
 * batch of the same prompt prefills one token and blockwise decoding's next block the tokens committed
 * since its previous one. {@link expectedCost} is the same accounting with the
 * expected completion lengths measured for the serving model (aligners/quality_curves), which is what the
 * planner and the receipts' predictions use, and {@link expectedBlockwiseCost} its form for blockwise
 * decoding.
 *
 * @module
 */
import { prefilledTokens } from "../models/engine/prefix_reuse.ts";
import type { Cost, CostParams } from "./aligner.ts";

/** Prompt tokens a further request of the same prompt prefills (its earlier request is cached). */
function repeatedPrompt(promptTokens: number): number {
  return prefilledTokens(promptTokens, promptTokens);
}

/**
 * Prompt tokens blockwise decoding's block prefills after `done` committed tokens: the prompt, then
 * the prompt and the committed tokens, of which all but the last are cached (the chosen candidate of
 * the previous block finished with them; its last token was sampled, never fed). So a later block
 * prefills one token, as long as that cached sequence is long enough to reuse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockPrefill } from "./cost.ts";
 * assert.equal(blockPrefill(20, 0), 20);
 * assert.equal(blockPrefill(20, 32), 1); // the previous block's candidate: 20 + 31 tokens cached
 * assert.equal(blockPrefill(2, 4), 6); // 5 cached tokens are too few to reuse
 * ```
 */
export function blockPrefill(promptTokens: number, done: number): number {
  return done === 0 ? promptTokens : prefilledTokens(promptTokens + done, promptTokens + done - 1);
}

/**
 * Predicted cost of `batches` engine requests of `n` candidates each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchCost } from "./cost.ts";
 * assert.deepEqual(batchCost({ promptTokens: 10, maxTokens: 8, criteriaCount: 2 }, 4, 1, true), {
 *   forwardPasses: 8,
 *   prefillTokens: 10,
 *   generatedTokens: 32,
 *   rewardEvaluations: 8,
 * });
 * ```
 */
export function batchCost(params: CostParams, n: number, batches: number, scored: boolean): Cost {
  return {
    forwardPasses: batches * Math.max(1, params.maxTokens),
    prefillTokens: batches === 0
      ? 0
      : params.promptTokens + (batches - 1) * repeatedPrompt(params.promptTokens),
    generatedTokens: batches * n * params.maxTokens,
    rewardEvaluations: scored ? batches * n * params.criteriaCount : 0,
  };
}

/** Completion lengths a model is expected to produce (measured with its quality curves). */
export interface CompletionLengths {
  /** E[min(L, maxTokens)]: tokens one candidate is expected to generate. */
  meanTokens(maxTokens: number): number;
  /** E[max over the n candidates of one request of min(L, maxTokens)]: its decode passes + 1. */
  meanLongest(n: number, maxTokens: number): number;
}

/** A candidate batch of a run and the probability that it is drawn (1 unless the run may stop early). */
export interface BatchShape {
  size: number;
  probability: number;
}

/**
 * Expected compute of a run from expected completion lengths instead of `maxTokens` (the same
 * accounting as {@link batchCost}, in expectation over the batches drawn):
 *
 *     forwardPasses     = Σ_b p_b · max(1, E[longest of size_b])
 *     prefillTokens     = Σ_b p_b · (promptTokens for the first batch, else prefilled(promptTokens, promptTokens))
 *     generatedTokens   = Σ_b p_b · size_b · E[min(L, maxTokens)]
 *     rewardEvaluations = Σ_b p_b · size_b · criteriaCount     (when scored)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchCost, expectedCost } from "./cost.ts";
 * const params = { promptTokens: 10, maxTokens: 8, criteriaCount: 2 };
 * const full = { meanTokens: (m: number) => m, meanLongest: (_n: number, m: number) => m };
 * assert.deepEqual(expectedCost(params, [{ size: 4, probability: 1 }], true, full), batchCost(params, 4, 1, true));
 * const half = { meanTokens: (m: number) => m / 2, meanLongest: (_n: number, m: number) => m / 2 };
 * assert.equal(expectedCost(params, [{ size: 4, probability: 1 }], false, half).generatedTokens, 16);
 * ```
 */
export function expectedCost(
  params: CostParams,
  batches: readonly BatchShape[],
  scored: boolean,
  lengths: CompletionLengths,
): Cost {
  const cost: Cost = { forwardPasses: 0, prefillTokens: 0, generatedTokens: 0, rewardEvaluations: 0 };
  for (const [b, { size, probability }] of batches.entries()) {
    const longest = lengths.meanLongest(size, params.maxTokens);
    cost.forwardPasses += probability * Math.max(1, longest);
    cost.prefillTokens += probability * (b === 0 ? params.promptTokens : repeatedPrompt(params.promptTokens));
    cost.generatedTokens += probability * size * lengths.meanTokens(params.maxTokens);
    if (scored) cost.rewardEvaluations += probability * size * params.criteriaCount;
  }
  return cost;
}

/** One block of blockwise decoding in expectation: see {@link ContinuationLengths.block}. */
export interface BlockExpectation {
  /** P(L > done): the block is drawn (the chosen answer has not ended before it). */
  reached: number;
  /** E[min(L − done, size); L > done]: a candidate's tokens in the block (mean over the k), weighted by `reached`. */
  meanTokens: number;
  /** P(L > done) · E[max over k candidates of min(L − done, size) | L > done]: its decode passes + 1. */
  meanLongest: number;
}

/**
 * Completion lengths continuing a committed prefix (blockwise decoding). L = min(completion length,
 * maxTokens); a prefix of `done` tokens that has not ended is continued by k candidates whose lengths
 * follow the law of L given L > done, independently of each other and of which candidate the scores
 * pick (so the committed answer's length has the law of L: block b is drawn with probability P(L > b·T)).
 */
export interface ContinuationLengths {
  block(k: number, done: number, size: number, maxTokens: number): BlockExpectation;
}

/**
 * Expected compute of blockwise decoding (aligners/blockwise.ts): block b starts after done = b·T
 * committed tokens, is one request of k candidates of at most size_b = min(T, limit − done) tokens on a
 * prompt of P + done tokens (prefilled in one pass, which yields the first tokens), and is drawn only if
 * the answer has not ended (limit = min(maxTokens, maxBlocks · T)):
 *
 *     forwardPasses     = Σ_b longest_b
 *     prefillTokens     = Σ_b P(L > done_b) · blockPrefill(promptTokens, done_b)
 *     generatedTokens   = Σ_b k · E[min(L − done_b, size_b); L > done_b]
 *     rewardEvaluations = Σ_b P(L > done_b) · k · criteriaCount
 *
 * With every length at maxTokens (fixed-length runs) this is blockwiseCost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedBlockwiseCost } from "./cost.ts";
 * // Every answer runs to max_tokens: 2 blocks of 3 tokens, the second with 2 (blockwiseCost's example).
 * const full = {
 *   block: (_k: number, done: number, size: number, max: number) =>
 *     done < max ? { reached: 1, meanTokens: size, meanLongest: size } : { reached: 0, meanTokens: 0, meanLongest: 0 },
 * };
 * const params = { promptTokens: 4, maxTokens: 5, criteriaCount: 1 };
 * assert.deepEqual(expectedBlockwiseCost(params, 2, 3, Infinity, full), {
 *   forwardPasses: 5,
 *   prefillTokens: 4 + 7,
 *   generatedTokens: 10,
 *   rewardEvaluations: 4,
 * });
 * ```
 */
export function expectedBlockwiseCost(
  params: CostParams,
  k: number,
  blockTokens: number,
  maxBlocks: number,
  lengths: ContinuationLengths,
): Cost {
  const limit = Math.min(params.maxTokens, maxBlocks * blockTokens);
  const cost: Cost = { forwardPasses: 0, prefillTokens: 0, generatedTokens: 0, rewardEvaluations: 0 };
  for (let done = 0; done === 0 || done < limit; done += blockTokens) {
    const size = Math.min(blockTokens, limit - done);
    const { reached, meanTokens, meanLongest } = lengths.block(k, done, size, params.maxTokens);
    cost.forwardPasses += meanLongest;
    cost.prefillTokens += reached * blockPrefill(params.promptTokens, done);
    cost.generatedTokens += k * meanTokens;
    cost.rewardEvaluations += reached * k * params.criteriaCount;
  }
  return cost;
}
