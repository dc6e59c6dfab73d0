/**
 * Inference-aware meta-alignment (IAMA.md): the per-sample rewards non-linear GRPO trains on.
 *
 * - first variations on one group: {@linkcode firstVariationBestOfN}, {@linkcode firstVariationSoftBestOfN}
 *   and plug-in values {@linkcode pluginValueBestOfN}, {@linkcode pluginValueSoftBestOfN}; per aligner,
 *   {@linkcode estimateTask} (IAMA.md §3)
 * - aggregators and the chain rule: {@linkcode aggregate}, {@linkcode aggregateGradient},
 *   {@linkcode combineFirstVariations}, {@linkcode nonLinearRewards}, {@linkcode nonLinearGroupRewards}
 * - group-relative advantages: {@linkcode groupRelativeAdvantages} (IAMA.md §4)
 * - tasks: {@linkcode TaskSpec}, {@linkcode taskRewards}, {@linkcode TaskSampler}, {@linkcode sampleDirichlet}
 * - exact values and first variations of a categorical distribution (references, toy evaluation)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupRelativeAdvantages, nonLinearGroupRewards, type TaskSpec } from "./mod.ts";
 * const scores = { near: [0.9, 0.1, 0.5, 0.4], far: [0.1, 0.9, 0.5, 0.6] };
 * const tasks: TaskSpec[] = [
 *   { criterionWeights: { near: 1 }, aligner: { kind: "best_of_n", n: 4 } },
 *   { criterionWeights: { far: 1 }, aligner: { kind: "best_of_n", n: 4 } },
 * ];
 * const { rewards } = nonLinearGroupRewards(tasks, { kind: "weighted_sum" }, scores);
 * const { advantages } = groupRelativeAdvantages(rewards);
 * assert.ok(advantages[0] > advantages[2] && advantages[1] > advantages[2]); // the extremes win
 * ```
 *
 * @module
 */

export { type AdvantageOptions, type GroupAdvantages, groupRelativeAdvantages } from "./advantages.ts";
export { aggregate, aggregateGradient, type Aggregator } from "./aggregators.ts";
export { firstVariationBestOfN, pluginValueBestOfN } from "./best_of_n.ts";
export {
  combineFirstVariations,
  type NonLinearRewards,
  nonLinearRewards,
  type TaskEstimate,
} from "./chain_rule.ts";
export { sampleDirichlet, sampleGamma } from "./dirichlet.ts";
export {
  exactFirstVariationBestOfN,
  exactFirstVariationSoftBestOfN,
  exactForcedBestOfN,
  exactValueBestOfN,
  exactValueSoftBestOfN,
} from "./exact_discrete.ts";
export { type GroupRewards, nonLinearGroupRewards } from "./group_rewards.ts";
export { firstVariationSoftBestOfN, pluginValueSoftBestOfN } from "./soft_best_of_n.ts";
export { estimateTask } from "./task_estimate.ts";
export {
  type AlignerMixEntry,
  type CriterionWeightDistribution,
  type TaskDistribution,
  TaskSampler,
} from "./task_sampler.ts";
export {
  type AlignerSpec,
  describeAligner,
  taskRewards,
  type TaskSpec,
  TaskSpecError,
  validateAligner,
  validateTaskSpec,
} from "./task_spec.ts";
