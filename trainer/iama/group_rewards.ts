/**
 * Non-linear GRPO's per-sample reward for one group (IAMA.md §3, steps 2–3 of §4): every criterion has scored
 * every sample once; each task weights those scores into its own rewards, gets its plug-in estimate, and the
 * aggregator's chain rule combines the tasks. All tasks reuse the same group.
 *
 * Shapes: `scores` criterion name → [M]; `tasks` [K] → rewards r̃ [M], task values R̂ [K], ∂g/∂R̂ [K].
 *
 * @module
 */

import type { Aggregator } from "./aggregators.ts";
import { type NonLinearRewards, nonLinearRewards, type TaskEstimate } from "./chain_rule.ts";
import { estimateTask } from "./task_estimate.ts";
import { taskRewards, type TaskSpec } from "./task_spec.ts";

/** {@linkcode NonLinearRewards} plus each task's own estimate (for logging per-task values). */
export type GroupRewards = NonLinearRewards & { taskEstimates: TaskEstimate[] };

/**
 * r̃_j = Σ_k (∂g/∂R_k)(R̂) · r̃_{k,j} for the tasks of one group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonLinearGroupRewards } from "./group_rewards.ts";
 * const group = nonLinearGroupRewards(
 *   [
 *     { criterionWeights: { near: 1 }, aligner: { kind: "best_of_n", n: 2 } },
 *     { criterionWeights: { far: 1 }, aligner: { kind: "best_of_n", n: 2 } },
 *   ],
 *   { kind: "weighted_sum" },
 *   { near: [1, 0], far: [0, 1] },
 * );
 * assert.deepEqual([...group.rewards], [1.5, 1.5]); // each sample is one task's best
 * ```
 */
export function nonLinearGroupRewards(
  tasks: readonly TaskSpec[],
  aggregator: Aggregator,
  scores: Readonly<Record<string, ArrayLike<number>>>,
): GroupRewards {
  const taskEstimates = tasks.map((task) => estimateTask(task.aligner, taskRewards(task, scores)));
  return { ...nonLinearRewards(aggregator, taskEstimates), taskEstimates };
}
