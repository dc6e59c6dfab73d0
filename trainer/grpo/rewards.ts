/**
 * From rollouts to advantages (IAMA.md §4, steps 2–4): every criterion the task distribution names scores
 * every completion once (calibrated when a calibrator is given), each group draws its tasks, the chain
 * rule gives the per-sample reward r̃ [M] (nonLinearGroupRewards) and the group-relative advantage A [M].
 *
 * Not-applicable scores (NaN) are replaced by the mean of the group's applicable scores of that criterion,
 * or 0 when none applies *(project choice: a neutral value that leaves the other samples' order alone)*.
 *
 * @module
 */
import type { Calibrator, CriterionRegistry } from "../../aligners/criteria/mod.ts";
import {
  type AdvantageOptions,
  type Aggregator,
  groupRelativeAdvantages,
  nonLinearGroupRewards,
  type TaskDistribution,
  type TaskSpec,
} from "../iama/mod.ts";

/** Per-criterion scores [M] of one group, before and after calibration. */
export interface GroupScores {
  raw: Record<string, Float64Array>;
  calibrated: Record<string, Float64Array>;
}

/** One group's tasks, their plug-in values R̂ [K], g(R̂), r̃ [M] and A [M]. */
export interface GroupAdvantages {
  tasks: TaskSpec[];
  taskValues: number[];
  objective: number;
  rewards: Float64Array;
  advantages: Float64Array;
}

/**
 * The criteria a task distribution can put weight on, in first-mention order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { criteriaOf } from "./rewards.ts";
 * const points: Record<string, number>[] = [{ length: 1 }, { sentiment: 0.5, length: 0.5 }];
 * const distribution = { criterionWeights: { kind: "grid" as const, points }, aligners: [] };
 * assert.deepEqual(criteriaOf(distribution), ["length", "sentiment"]);
 * ```
 */
export function criteriaOf(distribution: TaskDistribution): string[] {
  const weights = distribution.criterionWeights;
  if (weights.kind === "dirichlet") return [...weights.criteria];
  return [...new Set(weights.points.flatMap((point) => Object.keys(point)))];
}

/** Scores one group's completions with each named criterion (one call per criterion). */
export async function scoreGroup(
  criteria: CriterionRegistry,
  names: readonly string[],
  prompt: string,
  completions: readonly string[],
  options: {
    calibrator?: Calibrator;
    params?: Record<string, Record<string, unknown>>;
    signal?: AbortSignal;
  },
): Promise<GroupScores> {
  const raw: Record<string, Float64Array> = {};
  const calibrated: Record<string, Float64Array> = {};
  for (const name of names) {
    const scores = await criteria.get(name).score(prompt, completions, {
      params: options.params?.[name],
      signal: options.signal,
    });
    raw[name] = scores;
    calibrated[name] = options.calibrator
      ? options.calibrator.calibrate(name, scores)
      : Float64Array.from(scores);
  }
  return { raw, calibrated };
}

/**
 * Copies of `scores` with NaN replaced by the mean of the finite entries (0 if there are none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillNotApplicable } from "./rewards.ts";
 * assert.deepEqual([...fillNotApplicable([1, NaN, 3])], [1, 2, 3]);
 * ```
 */
export function fillNotApplicable(scores: ArrayLike<number>): Float64Array {
  let sum = 0;
  let count = 0;
  for (let j = 0; j < scores.length; j++) {
    if (Number.isFinite(scores[j])) {
      sum += scores[j];
      count++;
    }
  }
  const fill = count === 0 ? 0 : sum / count;
  return Float64Array.from(scores, (value) => Number.isFinite(value) ? value : fill);
}

/** r̃ and A of one group under `tasks` (all of them reuse the same scores). */
export function groupAdvantages(
  tasks: readonly TaskSpec[],
  aggregator: Aggregator,
  calibratedScores: Readonly<Record<string, ArrayLike<number>>>,
  advantageOptions: AdvantageOptions,
): GroupAdvantages {
  const filled = Object.fromEntries(
    Object.entries(calibratedScores).map(([name, scores]) => [name, fillNotApplicable(scores)]),
  );
  const group = nonLinearGroupRewards(tasks, aggregator, filled);
  return {
    tasks: tasks.map((task) => ({
      criterionWeights: { ...task.criterionWeights },
      aligner: { ...task.aligner },
    })),
    taskValues: [...group.taskValues],
    objective: group.objective,
    rewards: group.rewards,
    advantages: groupRelativeAdvantages(group.rewards, advantageOptions).advantages,
  };
}
