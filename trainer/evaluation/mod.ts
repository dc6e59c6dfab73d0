/**
 * Evaluation and promotion gate (DESIGN.md, "data flow of one refresh"): a candidate model version is
 * compared with the serving one on a grid of tasks (criteria weighting × aligner with its budget ×
 * held-out prompt × seed, the same seeds for both), its KL from the reference is estimated through the
 * engine, and `decidePromotion` lets it replace the serving version only when it wins on the gate's
 * metric by the minimum improvement within the KL bound. The report is plain JSON for the registry.
 *
 * @example
 * ```ts ignore
 * import { decidePromotion, evaluateCandidate } from "./mod.ts";
 * const report = await evaluateCandidate({ engine, candidateModel: "v2", servingModel: "v1", grid: {},
 *   criteria, calibrator });
 * const { promote, reasons } = decidePromotion(report, report.grid);
 * ```
 *
 * @module
 */
export {
  type AlignerCell,
  alignerCells,
  cellSeeds,
  createCellAligner,
  type EvaluationGrid,
  type EvaluationGridInput,
  EvaluationGridSchema,
  type GridCell,
  gridCells,
  type MetricName,
  METRICS,
} from "./grid.ts";
export { type EvaluationPrompt, evaluationPrompts } from "./prompts.ts";
export {
  estimateKl,
  type EstimateKlOptions,
  type KlEstimate,
  responseLogprob,
  sampleResponses,
  summarizeLogRatios,
} from "./kl.ts";
export { allMetrics, meanAggregateMetric, winRateMetric } from "./metrics.ts";
export type { CellReport, CellSide, EvaluationReport, MetricValue, ModelRef } from "./report.ts";
export { evaluateCandidate, type EvaluateCandidateOptions, type EvaluationProgress } from "./evaluate.ts";
export { decidePromotion, type PromotionDecision, type PromotionGate } from "./promotion.ts";
