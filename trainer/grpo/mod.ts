/**
 * Non-linear GRPO on the language model (IAMA.md §4): {@linkcode runGrpo} is the one entry point; its
 * configuration is plain JSON validated by {@linkcode GrpoConfigSchema}. Standard GRPO is the same run with
 * the identity aligner.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GrpoConfigSchema } from "./mod.ts";
 * const config = GrpoConfigSchema.parse({ tasks: { criterionWeights: { kind: "grid", points: [{ length: 1 }] } } });
 * assert.equal(config.groupSize, 8);
 * assert.deepEqual(config.tasks.aligners, [{ aligner: { kind: "identity" }, weight: 1 }]); // plain GRPO
 * ```
 *
 * @module
 */
export { type GrpoConfig, type GrpoConfigInput, GrpoConfigSchema } from "./config.ts";
export type { GrpoStepDetails, GrpoStepLog } from "./grpo_step.ts";
export { type GrpoResult, GrpoResumeError, runGrpo, type RunGrpoOptions } from "./run_grpo.ts";
