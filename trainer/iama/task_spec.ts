/**
 * What a task is (IAMA.md §1): criteria weights plus an aligner with its budget. The same shape describes a
 * serving request's alignment and a task the trainer samples.
 *
 * Shapes: `scores` maps each criterion name to [M] calibrated scores of one group → task rewards [M],
 * r_w = Σ_i w_i · r̂_i.
 *
 * @module
 */

/** The inference-time aligner of a task. SoftBoN's `n` is the serving budget; its first variation is
 * that of exact tilting and does not use it (IAMA.md §3). */
export type AlignerSpec =
  | { kind: "identity" }
  | { kind: "best_of_n"; n: number }
  | { kind: "soft_best_of_n"; n?: number; tau: number };

/** A task: weights over named criteria (record name → weight) and an aligner. */
export type TaskSpec = {
  criterionWeights: Readonly<Record<string, number>>;
  aligner: AlignerSpec;
};

/** A task or task distribution that cannot be used (raised where it is built, known to no HTTP code). */
export class TaskSpecError extends Error {
  override name = "TaskSpecError";
}

/**
 * Throws {@linkcode TaskSpecError} unless the aligner's parameters are valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskSpecError, validateAligner } from "./task_spec.ts";
 * validateAligner({ kind: "best_of_n", n: 4 });
 * assert.throws(() => validateAligner({ kind: "soft_best_of_n", tau: 0 }), TaskSpecError);
 * ```
 */
export function validateAligner(aligner: AlignerSpec): void {
  const budgetOk = (n: number | undefined) => Number.isInteger(n) && n! >= 1;
  switch (aligner.kind) {
    case "identity":
      return;
    case "best_of_n":
      if (!budgetOk(aligner.n)) throw new TaskSpecError(`best_of_n needs an integer n ≥ 1, got ${aligner.n}`);
      return;
    case "soft_best_of_n":
      if (!(aligner.tau > 0 && aligner.tau < Infinity)) {
        throw new TaskSpecError(`soft_best_of_n needs a finite tau > 0, got ${aligner.tau}`);
      }
      if (aligner.n !== undefined && !budgetOk(aligner.n)) {
        throw new TaskSpecError(`soft_best_of_n n must be an integer ≥ 1, got ${aligner.n}`);
      }
      return;
    default:
      throw new TaskSpecError(`unknown aligner kind ${JSON.stringify((aligner as { kind: unknown }).kind)}`);
  }
}

/**
 * Throws {@linkcode TaskSpecError} unless the task has at least one criterion, finite weights and a valid
 * aligner. Weights may be negative (a criterion to avoid); they are not required to sum to 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskSpecError, validateTaskSpec } from "./task_spec.ts";
 * assert.throws(() => validateTaskSpec({ criterionWeights: {}, aligner: { kind: "identity" } }), TaskSpecError);
 * ```
 */
export function validateTaskSpec(task: TaskSpec): void {
  const entries = Object.entries(task.criterionWeights);
  if (entries.length === 0) throw new TaskSpecError("a task needs at least one criterion weight");
  for (const [name, weight] of entries) {
    if (!Number.isFinite(weight)) throw new TaskSpecError(`criterion "${name}" has weight ${weight}`);
  }
  validateAligner(task.aligner);
}

/**
 * The task reward of each sample, r_w = Σ_i w_i · r̂_i, from calibrated per-criterion scores.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskRewards } from "./task_spec.ts";
 * const task = { criterionWeights: { helpful: 0.75, brief: 0.25 }, aligner: { kind: "identity" as const } };
 * const rewards = taskRewards(task, { helpful: [1, 0], brief: [0, 1] });
 * assert.deepEqual([...rewards], [0.75, 0.25]);
 * ```
 */
export function taskRewards(
  task: TaskSpec,
  scores: Readonly<Record<string, ArrayLike<number>>>,
): Float64Array {
  validateTaskSpec(task);
  let rewards: Float64Array | undefined;
  for (const [name, weight] of Object.entries(task.criterionWeights)) {
    const criterionScores = scores[name];
    if (criterionScores === undefined) {
      throw new TaskSpecError(`no scores for criterion "${name}" (have: ${Object.keys(scores).join(", ")})`);
    }
    rewards ??= new Float64Array(criterionScores.length);
    if (criterionScores.length !== rewards.length) {
      throw new TaskSpecError(
        `criterion "${name}" has ${criterionScores.length} scores, expected ${rewards.length}`,
      );
    }
    for (let j = 0; j < rewards.length; j++) rewards[j] += weight * criterionScores[j];
  }
  return rewards!;
}

/**
 * Short human-readable name of an aligner for logs and tables: `identity`, `BoN_4`, `SoftBoN_τ=0.5`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeAligner } from "./task_spec.ts";
 * assert.equal(describeAligner({ kind: "soft_best_of_n", n: 8, tau: 0.5 }), "SoftBoN_τ=0.5 (N=8)");
 * ```
 */
export function describeAligner(aligner: AlignerSpec): string {
  switch (aligner.kind) {
    case "identity":
      return "identity";
    case "best_of_n":
      return `BoN_${aligner.n}`;
    case "soft_best_of_n":
      return `SoftBoN_τ=${aligner.tau}${aligner.n === undefined ? "" : ` (N=${aligner.n})`}`;
  }
}
