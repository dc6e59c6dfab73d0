/**
 * Inference-time aligners (IAMA.md §1): plain sampling, best-of-N, soft best-of-N, rejection
 * sampling toward the tilted policy, reward-guided blockwise decoding and best-of-N with early pruning. Each asks models/engine for candidates (one request per batch, so
 * they share a prefill), scores them with aligners/criteria under the request's weights, chooses with
 * a generator forked from the request seed, and returns the completion with a receipt. Knows nothing
 * about HTTP.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBestOfN, createRejectionSampling } from "./mod.ts";
 * const shape = { promptTokens: 12, maxTokens: 32, criteriaCount: 2 };
 * assert.equal(createBestOfN({ n: 4 }).estimateCost(shape).generatedTokens, 128);
 * const rs = createRejectionSampling({ temperature: 1, rMax: 3, batchSize: 4, maxDraws: 16 });
 * assert.equal(rs.estimateCost(shape).rewardEvaluations, 32);
 * ```
 *
 * @module
 */
export type {
  Aligner,
  AlignerContext,
  AlignerResult,
  AlignmentTask,
  Choice,
  CommittedPiece,
  Cost,
  CostParams,
  Receipt,
  ReceiptCompute,
  ReceiptCriterion,
  TaskCriteria,
} from "./aligner.ts";
export { CHOICE_STREAM, GENERATION_STREAM } from "./aligner.ts";
export {
  batchSeed,
  type Candidate,
  type CandidateBatch,
  generateCandidates,
  requestCandidates,
} from "./candidates.ts";
export { acceptanceProbability, argmaxIndex, softmaxChoice, softmaxProbabilities } from "./choice.ts";
export { batchCost, type BatchShape, type CompletionLengths, expectedCost } from "./cost.ts";
export { alignerResult, type ReceiptInput, type ReceiptScores, sumCompute } from "./receipt.ts";
export { criteriaCount, scoreTask, type TaskScores } from "./score.ts";
export { createPlainSampling, type PlainSamplingOptions } from "./plain_sampling.ts";
export { type BestOfNOptions, createBestOfN } from "./best_of_n.ts";
export { createSoftBestOfN, type SoftBestOfNOptions } from "./soft_best_of_n.ts";
export { rejectionLoop, type RejectionLoopOptions, type RejectionOutcome } from "./rejection_loop.ts";
export { createRejectionSampling, type RejectionSamplingOptions } from "./rejection_sampling.ts";
export {
  blockwiseCost,
  type BlockwiseOptions,
  createBlockwise,
  DEFAULT_BLOCK_TOKENS,
  DEFAULT_BLOCKWISE_K,
} from "./blockwise.ts";
export { createPrunedBestOfN, type PrunedBestOfNOptions, prunedIndices } from "./pruned_best_of_n.ts";
export {
  optionAligner,
  optionCandidates,
  type PlannedOption,
  type PlannerBudget,
  type PlannerDecision,
  planOptions,
  planWithCurves,
} from "./planner.ts";
export {
  loadModelPlanningFiles,
  type ModelPlanning,
  type ModelPlanningFiles,
  predictAlignerCost,
  type PredictedCost,
  type QualityCurves,
  reloadingPlans,
  ServingPlans,
  UNCALIBRATED,
} from "./quality_curves/mod.ts";
