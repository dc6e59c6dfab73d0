/**
 * Seeded sampling of tasks from a configured task distribution (IAMA.md §2, meta-alignment over a continuous
 * family of weightings, *project choice*): criteria weights from Dirichlet(α) over named criteria or from a
 * fixed grid of weightings; the aligner and its budget from a weighted mix.
 *
 * Shapes: a distribution over C named criteria and A aligners → one {@linkcode TaskSpec} per draw.
 *
 * @module
 */

import type { Rng } from "../../models/random.ts";
import { sampleDirichlet } from "./dirichlet.ts";
import { type AlignerSpec, type TaskSpec, TaskSpecError, validateAligner } from "./task_spec.ts";

/** Where criteria weights come from. Grid points are drawn with `probabilities` (default uniform). */
export type CriterionWeightDistribution =
  | { kind: "dirichlet"; criteria: readonly string[]; alpha: number | readonly number[] }
  | {
    kind: "grid";
    points: readonly Readonly<Record<string, number>>[];
    probabilities?: readonly number[];
  };

/** One aligner of the mix and its relative weight (non-negative; normalised over the mix). */
export type AlignerMixEntry = { aligner: AlignerSpec; weight: number };

/** The task distribution the trainer samples from each step. */
export type TaskDistribution = {
  criterionWeights: CriterionWeightDistribution;
  aligners: readonly AlignerMixEntry[];
};

/**
 * Draws tasks from a validated {@linkcode TaskDistribution}. The `Rng` is passed to each call, so one seed
 * reproduces the whole sequence of tasks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../../models/random.ts";
 * import { TaskSampler } from "./task_sampler.ts";
 * const sampler = new TaskSampler({
 *   criterionWeights: { kind: "dirichlet", criteria: ["helpful", "brief"], alpha: 1 },
 *   aligners: [{ aligner: { kind: "best_of_n", n: 4 }, weight: 3 }, { aligner: { kind: "identity" }, weight: 1 }],
 * });
 * const task = sampler.sample(new Rng(7));
 * assert.ok(Math.abs(task.criterionWeights.helpful + task.criterionWeights.brief - 1) < 1e-12);
 * assert.deepEqual(sampler.sample(new Rng(7)), task); // seeded
 * ```
 */
export class TaskSampler {
  readonly #weights: CriterionWeightDistribution;
  readonly #alpha: Float64Array; // Dirichlet only
  readonly #gridProbabilities: Float64Array; // grid only
  readonly #aligners: readonly AlignerSpec[];
  readonly #alignerWeights: Float64Array;

  /** Validates the distribution; throws {@linkcode TaskSpecError} with the reason. */
  constructor(distribution: TaskDistribution) {
    const weights = distribution.criterionWeights;
    this.#weights = weights;
    this.#alpha = new Float64Array(0);
    this.#gridProbabilities = new Float64Array(0);
    if (weights.kind === "dirichlet") {
      if (weights.criteria.length === 0) throw new TaskSpecError("Dirichlet task weights need criteria");
      if (new Set(weights.criteria).size !== weights.criteria.length) {
        throw new TaskSpecError(`duplicate criteria in ${weights.criteria.join(", ")}`);
      }
      const alpha = typeof weights.alpha === "number"
        ? new Array(weights.criteria.length).fill(weights.alpha)
        : weights.alpha;
      if (alpha.length !== weights.criteria.length || alpha.some((a) => !(a > 0 && a < Infinity))) {
        throw new TaskSpecError(
          `Dirichlet alpha must be one finite positive number per criterion, got ${
            JSON.stringify(weights.alpha)
          }`,
        );
      }
      this.#alpha = Float64Array.from(alpha);
    } else if (weights.kind === "grid") {
      if (weights.points.length === 0) throw new TaskSpecError("a weight grid needs at least one point");
      for (const point of weights.points) {
        const values = Object.values(point);
        if (values.length === 0 || values.some((w) => !Number.isFinite(w))) {
          throw new TaskSpecError(`invalid weight grid point ${JSON.stringify(point)}`);
        }
      }
      this.#gridProbabilities = mixWeights(
        weights.probabilities ?? new Array(weights.points.length).fill(1),
        weights.points.length,
        "grid probabilities",
      );
    } else {
      throw new TaskSpecError(`unknown criterion weight distribution ${JSON.stringify(weights)}`);
    }
    if (distribution.aligners.length === 0) throw new TaskSpecError("the aligner mix is empty");
    for (const entry of distribution.aligners) validateAligner(entry.aligner);
    this.#aligners = distribution.aligners.map((entry) => ({ ...entry.aligner }));
    this.#alignerWeights = mixWeights(
      distribution.aligners.map((entry) => entry.weight),
      distribution.aligners.length,
      "aligner weights",
    );
  }

  /** One task: weights first, then the aligner, both from `rng`. */
  sample(rng: Rng): TaskSpec {
    const weights = this.#weights;
    let criterionWeights: Record<string, number>;
    if (weights.kind === "dirichlet") {
      const draw = sampleDirichlet(this.#alpha, rng);
      criterionWeights = Object.fromEntries(weights.criteria.map((name, i) => [name, draw[i]]));
    } else {
      criterionWeights = { ...weights.points[rng.choiceIndex(this.#gridProbabilities)] };
    }
    const aligner = { ...this.#aligners[rng.choiceIndex(this.#alignerWeights)] };
    return { criterionWeights, aligner };
  }

  /** `count` tasks in sequence. */
  sampleMany(count: number, rng: Rng): TaskSpec[] {
    return Array.from({ length: count }, () => this.sample(rng));
  }
}

function mixWeights(weights: readonly number[], expected: number, what: string): Float64Array {
  if (weights.length !== expected) {
    throw new TaskSpecError(`${what}: ${weights.length} entries for ${expected}`);
  }
  if (weights.some((w) => !(w >= 0 && w < Infinity)) || !weights.some((w) => w > 0)) {
    throw new TaskSpecError(`${what} must be finite, ≥ 0 and not all 0, got ${JSON.stringify(weights)}`);
  }
  return Float64Array.from(weights);
}
