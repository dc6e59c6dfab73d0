/**
 * Quality curves: what each aligner and budget is expected to achieve on the serving model version
 * (expected aligned reward per weighting) and what it costs (expected completion lengths, time per
 * forward pass), measured once per version beside its calibration and read by the `auto` planner
 * (aligners/planner.ts). Knows nothing about HTTP.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedMaxOfN } from "./mod.ts";
 * assert.equal(expectedMaxOfN([0, 1], 3), 0.875);
 * ```
 *
 * @module
 */
export {
  expectedMaxOfN,
  expectedRejection,
  expectedSoftBestOfN,
  type RejectionExpectation,
  type RejectionShape,
} from "./order_statistics.ts";
export { chosenProbabilities } from "./chosen_law.ts";
export { blockwisePoint, type CurveGrid, curvePoints, DEFAULT_CURVE_GRID } from "./curves.ts";
export { responseAggregates, summedAggregates, weightedCriteria } from "./response_aggregates.ts";
export { type MeasureOptions, type MeasurePrompt, measureQualityCurves } from "./measure.ts";
export { engineMilliseconds, type EngineTiming, fitEngineTime, type TimedRequest } from "./engine_time.ts";
export {
  type BlockwiseMeasurement,
  measureBlockwise,
  type MeasureBlockwiseOptions,
  type MeasuredBlockwise,
} from "./measure_blockwise.ts";
export { type MeasuredBlockRuns, replayBlockwiseCost } from "./blockwise_replay.ts";
export {
  alignerBatches,
  chosenAnswerLengths,
  committedLengths,
  completionLengths,
  nearestWeighting,
  predictAlignerCost,
  predictBatches,
  type PredictedCost,
} from "./predict.ts";
export {
  BATCH_CURVE_ALIGNERS,
  type BatchCurvePoint,
  type BlockwiseCurvePoint,
  type BlockwiseRuns,
  CURVE_ALIGNERS,
  type CurvePoint,
  loadQualityCurves,
  parseQualityCurves,
  type QualityCurves,
  QualityCurvesError,
  qualityCurvesSchema,
  saveQualityCurves,
  type WeightingCurves,
} from "./store.ts";
export {
  CALIBRATION_FILE,
  loadModelPlanningFiles,
  type ModelPlanningFiles,
  QUALITY_CURVES_FILE,
} from "./model_files.ts";
export { type ModelPlanning, reloadingPlans, ServingPlans, UNCALIBRATED } from "./serving_plans.ts";
