/**
 * One task's plug-in estimate on one group, dispatched on the task's aligner (IAMA.md §3).
 *
 * Shapes: `rewards` [M] (the task's reward of each sample) → { value R̂, firstVariation r̃ [M] }.
 *
 *     identity          R̂ = mean r,                 r̃ = r                (plain GRPO; = BoN_1)
 *     best_of_n         see best_of_n.ts
 *     soft_best_of_n    see soft_best_of_n.ts
 *
 * @module
 */

import { firstVariationBestOfN, pluginValueBestOfN } from "./best_of_n.ts";
import type { TaskEstimate } from "./chain_rule.ts";
import { firstVariationSoftBestOfN, pluginValueSoftBestOfN } from "./soft_best_of_n.ts";
import { type AlignerSpec, validateAligner } from "./task_spec.ts";
import { assertFiniteGroup } from "./_validate.ts";

/**
 * R̂ and r̃ of one task on one group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimateTask } from "./task_estimate.ts";
 * const plain = estimateTask({ kind: "identity" }, [0, 1]);
 * assert.equal(plain.value, 0.5);
 * assert.deepEqual([...plain.firstVariation], [0, 1]);
 * ```
 */
export function estimateTask(aligner: AlignerSpec, rewards: Float64Array | readonly number[]): TaskEstimate {
  validateAligner(aligner);
  switch (aligner.kind) {
    case "identity": {
      assertFiniteGroup(rewards, "rewards");
      const firstVariation = Float64Array.from(rewards);
      return { value: firstVariation.reduce((a, b) => a + b, 0) / firstVariation.length, firstVariation };
    }
    case "best_of_n":
      return {
        value: pluginValueBestOfN(rewards, aligner.n),
        firstVariation: firstVariationBestOfN(rewards, aligner.n),
      };
    case "soft_best_of_n":
      return {
        value: pluginValueSoftBestOfN(rewards, aligner.tau),
        firstVariation: firstVariationSoftBestOfN(rewards, aligner.tau),
      };
  }
}
