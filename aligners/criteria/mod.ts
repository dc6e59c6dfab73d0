/**
 * Criteria: what candidates are scored on (built-in verifiable and lexicon criteria, bring-your-own
 * reward models), calibration to a common scale under the serving model, and per-request weighting.
 * Knows nothing about HTTP.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator, createBuiltinCriteria, CriterionRegistry, scoreCandidates, weightedScores } from "./mod.ts";
 * const registry = new CriterionRegistry(createBuiltinCriteria());
 * const candidates = ["Simmer them nine minutes.", "Simmer them nine minutes; perfect, easy and healthy!"];
 * const weights = { length: 1, sentiment: 1 };
 * const raw = await scoreCandidates(registry, weights, "How do I boil eggs?", candidates, {
 *   params: { length: { target: 8, scale: 10 } },
 * });
 * const calibrator = new Calibrator(undefined, { missing: "identity" }); // normally: loadCalibration(...)
 * const result = weightedScores({ weights, raw, calibrator, validNames: registry.names() });
 * assert.ok(result.scores[1] > result.scores[0]);
 * ```
 *
 * @module
 */
export type { Criterion, CriterionInfo, CriterionKind, ScoreOptions } from "./criterion.ts";
export {
  CalibrationError,
  CriterionError,
  CriterionParamsError,
  InvalidAggregatorError,
  InvalidWeightsError,
  MissingCalibrationError,
  UnknownCriterionError,
} from "./errors.ts";
export { parseParams, validateParams } from "./params.ts";
export { type BuiltinCriteriaConfig, createBuiltinCriteria, CriterionRegistry } from "./registry.ts";
export { countWords, createLengthCriterion, type LengthCriterionConfig, lengthReward } from "./length.ts";
export { createFormatCriterion, type FormatCriterionConfig } from "./format.ts";
export { afinnValence, createSentimentCriterion } from "./sentiment.ts";
export { countProfanity, createCivilityCriterion } from "./civility.ts";
export {
  createRewardModelCriterion,
  loadRewardModelCriterion,
  type RewardModelCriterionOptions,
  rewardModelInput,
  type SequenceScorer,
} from "./reward_model_criterion.ts";
export {
  calibrateScore,
  type CalibrationMethod,
  type CalibrationSample,
  type CalibrationSet,
  Calibrator,
  computeCalibration,
  type ComputeCalibrationOptions,
  type CriterionCalibration,
  DEFAULT_QUANTILE_LEVELS,
  type Quantile,
  summarizeScores,
} from "./calibration.ts";
export {
  calibrationSetSchema,
  loadCalibration,
  parseCalibrationSet,
  saveCalibration,
} from "./calibration_store.ts";
export { scoreCandidates, type ScoreCandidatesOptions, validateRequestCriteria } from "./score_candidates.ts";
export {
  aggregate,
  type Aggregator,
  candidateBreakdown,
  type CriteriaWeights,
  type CriterionBreakdown,
  validateWeights,
  type WeightedScores,
  weightedScores,
  type WeightedScoresInput,
} from "./weighted_score.ts";
export { loadShippedRewardModels, type ShippedRewardModels } from "./shipped_reward_models.ts";
