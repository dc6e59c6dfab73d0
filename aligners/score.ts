/**
 * Scoring candidates for a task: raw criterion scores (criteria/scoreCandidates), calibrated and
 * aggregated under the task's weights (criteria/weightedScores), with the number of criterion
 * scorings spent.
 *
 * @module
 */
import {
  type CriterionRegistry,
  scoreCandidates,
  type WeightedScores,
  weightedScores,
} from "./criteria/mod.ts";
import type { AlignmentTask } from "./aligner.ts";

/** Aggregates of a set of candidates and what they cost. */
export interface TaskScores {
  weighted: WeightedScores;
  /** One per (positively weighted criterion, candidate). */
  rewardEvaluations: number;
}

/**
 * Scores `texts` under the task's criteria (`partial`: the texts are unfinished prefixes; criteria
 * without partial support score NaN, which the weighting drops).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "./criteria/mod.ts";
 * import { scoreTask } from "./score.ts";
 * const task = {
 *   prompt: "Hi?",
 *   criteria: { weights: { length: 1 }, params: { length: { target: 1, scale: 1 } } },
 *   calibrator: new Calibrator(undefined, { missing: "identity" }),
 * };
 * const { weighted, rewardEvaluations } = await scoreTask(
 *   task,
 *   new CriterionRegistry(createBuiltinCriteria()),
 *   ["Hello there", "Hi"],
 * );
 * assert.deepEqual([...weighted.scores], [-1, 0]);
 * assert.equal(rewardEvaluations, 2);
 * ```
 */
export async function scoreTask(
  task: Pick<AlignmentTask, "prompt" | "criteria" | "calibrator">,
  registry: CriterionRegistry,
  texts: readonly string[],
  signal?: AbortSignal,
  partial = false,
): Promise<TaskScores> {
  const { weights, params, aggregator } = task.criteria;
  const raw = await scoreCandidates(registry, weights, task.prompt, texts, { params, signal, partial });
  const weighted = weightedScores({
    weights,
    raw,
    calibrator: task.calibrator,
    aggregator,
    validNames: registry.names(),
  });
  // On partial texts only criteria that support them score (the others answer NaN for free).
  const scoring = Object.keys(raw).filter((name) => !partial || registry.get(name).supportsPartial);
  return { weighted, rewardEvaluations: scoring.length * texts.length };
}

/** Positively weighted criteria of a task (for {@link CostParams.criteriaCount}). */
export function criteriaCount(task: Pick<AlignmentTask, "criteria">): number {
  return Object.values(task.criteria.weights).filter((w) => w > 0).length;
}
