/**
 * The `auto` planner: picks the aligner and parameters with the highest expected aligned reward whose
 * predicted cost fits the request's budget, from the quality curves measured for the serving model
 * version (aligners/quality_curves). The options are the curve's points: best-of-N (N = 1 is plain
 * sampling), soft best-of-N, rejection sampling and, when calibration ran it, reward-guided blockwise
 * decoding (its reward measured on its committed answers, its cost replayed from its measured blocks):
 *
 *     maximise   E[reward](option)            (the curve of the measured weighting nearest the request's)
 *     subject to candidates(option) ≤ max_candidates
 *                E[generated tokens](option) ≤ max_generated_tokens       (cost model: expected lengths)
 *                E[engine ms](option)        ≤ deadline_ms
 *
 * A blockwise option's candidates are its k (per block). Ties go to the cheaper option (fewer expected
 * generated tokens, then fewer candidates). When no option meets the deadline, the one predicted
 * fastest among those within the other limits is taken (and the reason says so). Rejection sampling is
 * only considered when the request's weighting is a measured one (distance 0) with the sum aggregator:
 * its r_max is that weighting's measured maximum.
 * The budget holds in expectation (what the cost model predicts), not as a hard cap.
 *
 * @module
 */
import type { Aligner, CostParams } from "./aligner.ts";
import { createBestOfN } from "./best_of_n.ts";
import { createBlockwise } from "./blockwise.ts";
import type { Aggregator, CriteriaWeights } from "./criteria/mod.ts";
import { createPlainSampling } from "./plain_sampling.ts";
import {
  completionLengths,
  type CurvePoint,
  nearestWeighting,
  predictAlignerCost,
  predictBatches,
  type PredictedCost,
  type QualityCurves,
} from "./quality_curves/mod.ts";
import { createRejectionSampling } from "./rejection_sampling.ts";
import { createSoftBestOfN } from "./soft_best_of_n.ts";

/** The limits `auto` plans within. */
export interface PlannerBudget {
  maxCandidates: number;
  /** Expected generated tokens over all candidates (Infinity: no limit). */
  maxGeneratedTokens: number;
  /** Predicted engine milliseconds. */
  deadlineMs?: number;
}

/** One option the planner weighed. */
export interface PlannedOption {
  point: CurvePoint;
  /** Candidates it may draw at once or in all (n, rejection sampling's max draws, blockwise's k per block). */
  candidates: number;
  predicted: PredictedCost;
  feasible: boolean;
}

/** What the planner chose and why. */
export interface PlannerDecision {
  aligner: Aligner;
  chosen: PlannedOption;
  /** The measured weighting whose curve was used, and its L1 distance from the request's (normalised). */
  weighting: { weights: CriteriaWeights; distance: number };
  modelVersion: string;
  optionsConsidered: number;
  optionsFeasible: number;
  reason: string;
}

/** Candidates an option may draw (blockwise: k per block, what max_candidates limits). */
export function optionCandidates(point: CurvePoint): number {
  if (point.aligner === "blockwise") return point.params.k;
  return point.aligner === "rejection_sampling" ? point.params.maxDraws : point.params.n;
}

/**
 * Every option of the nearest weighting's curve with its predicted cost and feasibility.
 *
 * @example
 * ```ts ignore
 * const { options } = planOptions(curves, { helpfulness: 1 }, { type: "sum" }, shape, budget);
 * ```
 */
export function planOptions(
  curves: QualityCurves,
  weights: CriteriaWeights,
  aggregator: Aggregator,
  params: CostParams,
  budget: PlannerBudget,
): { options: PlannedOption[]; weighting: { weights: CriteriaWeights; distance: number } } {
  const { weighting, distance } = nearestWeighting(curves.weightings, weights);
  const exact = distance === 0 && aggregator.type === "sum";
  const lengths = completionLengths(curves);
  const options = weighting.points
    .filter((point) => exact || point.aligner !== "rejection_sampling")
    .map((point) => {
      const predicted = point.aligner === "blockwise"
        // Same nearest weighting as above: its measured runs, replayed.
        ? predictAlignerCost(curves, { name: "blockwise", params: point.params }, params, weights, lengths)!
        : predictBatches(curves, params, point.batches, true, lengths);
      const candidates = optionCandidates(point);
      const feasible = candidates <= budget.maxCandidates &&
        predicted.generatedTokens <= budget.maxGeneratedTokens &&
        (budget.deadlineMs === undefined || predicted.milliseconds <= budget.deadlineMs);
      return { point, candidates, predicted, feasible };
    });
  return { options, weighting: { weights: weighting.weights, distance } };
}

/** Is `a` a better choice than `b` (higher expected reward; ties: cheaper)? */
function better(a: PlannedOption, b: PlannedOption): boolean {
  const [ra, rb] = [a.point.expectedReward, b.point.expectedReward];
  if (Math.abs(ra - rb) > 1e-12) return ra > rb;
  if (a.predicted.generatedTokens !== b.predicted.generatedTokens) {
    return a.predicted.generatedTokens < b.predicted.generatedTokens;
  }
  return a.candidates < b.candidates;
}

/** The aligner an option stands for (best-of-1 is plain sampling, scored for the receipt). */
export function optionAligner(point: CurvePoint): Aligner {
  if (point.aligner === "blockwise") {
    return createBlockwise({ k: point.params.k, blockTokens: point.params.blockTokens });
  }
  const p = point.params;
  if (point.aligner === "best_of_n") {
    return p.n === 1 ? createPlainSampling({ score: true }) : createBestOfN({ n: p.n });
  }
  if (point.aligner === "soft_best_of_n") return createSoftBestOfN({ n: p.n, temperature: p.temperature });
  return createRejectionSampling({
    temperature: p.temperature,
    rMax: p.rMax,
    batchSize: p.batchSize,
    maxDraws: p.maxDraws,
  });
}

/**
 * Plans `auto` for a request (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planWithCurves } from "./planner.ts";
 * const point = (n: number, expectedReward: number) => ({
 *   aligner: "best_of_n" as const, params: { n }, expectedReward, batches: [{ size: n, probability: 1 }],
 * });
 * const curves = {
 *   modelVersion: "v1", calibrationMethod: "z_score" as const, sampling: { temperature: 1, topP: 1, maxTokens: 10 },
 *   samplesPerPrompt: 2, seed: 1, completionTokens: [[5, 5]], meanCompletionTokens: 5,
 *   timing: { millisecondsPerPass: 1, millisecondsPerGeneratedToken: 0, millisecondsPerPrefillToken: 0 },
 *   weightings: [{ weights: { length: 1 }, aggregator: "sum" as const, rMax: 1,
 *     points: [point(1, 0), point(2, 0.5), point(4, 0.9)] }],
 * };
 * const shape = { promptTokens: 3, maxTokens: 10, criteriaCount: 1 };
 * const plan = planWithCurves(curves, { length: 1 }, { type: "sum" }, shape, { maxCandidates: 8, maxGeneratedTokens: 12 });
 * assert.deepEqual(plan.aligner.params, { n: 2 }); // 4 candidates would generate 20 tokens in expectation
 * ```
 */
export function planWithCurves(
  curves: QualityCurves,
  weights: CriteriaWeights,
  aggregator: Aggregator,
  params: CostParams,
  budget: PlannerBudget,
): PlannerDecision {
  const { options, weighting } = planOptions(curves, weights, aggregator, params, budget);
  const feasible = options.filter((option) => option.feasible);
  let chosen: PlannedOption | undefined;
  for (const option of feasible) if (chosen === undefined || better(option, chosen)) chosen = option;
  let reason: string;
  if (chosen !== undefined) {
    reason = `highest expected reward of ${feasible.length} options within the budget`;
  } else {
    // Nothing meets the deadline: the fastest option within the other limits (or at all).
    const withinLimits = options.filter((o) =>
      o.candidates <= budget.maxCandidates && o.predicted.generatedTokens <= budget.maxGeneratedTokens
    );
    const pool = withinLimits.length > 0 ? withinLimits : options;
    chosen = pool.reduce((a, b) => (b.predicted.milliseconds < a.predicted.milliseconds ? b : a));
    reason = "no option is predicted to meet the budget; the fastest one was chosen";
  }
  return {
    aligner: optionAligner(chosen.point),
    chosen,
    weighting,
    modelVersion: curves.modelVersion,
    optionsConsidered: options.length,
    optionsFeasible: feasible.length,
    reason,
  };
}
