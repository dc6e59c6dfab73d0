/**
 * What `POST /admin/train` (or the refresh schedule) asks for: which served model to refresh, the
 * non-linear GRPO run (trainer/grpo/config.ts), the training prompts, the evaluation grid and gate
 * (trainer/evaluation/grid.ts) and whether a winning version is promoted. Every field has a default,
 * so `{}` is a valid spec: a short IAMA refresh of the default model toward helpfulness and
 * harmlessness under best-of-4.
 *
 * @module
 */
import { z } from "zod";
import { GrpoConfigSchema } from "../grpo/mod.ts";
import { EvaluationGridSchema } from "../evaluation/mod.ts";

/**
 * The run `{}` stands for: Dirichlet weightings of the shipped reward models, best-of-4 and plain sampling,
 * at the learning rate and β that moved the default model measurably in bench:iama (docs/iama.md).
 */
export const DEFAULT_TRAINING = {
  steps: 30,
  learningRate: 5e-5,
  kl: { kind: "fixed", beta: 0.05 },
  tasks: {
    criterionWeights: { kind: "dirichlet", criteria: ["helpfulness", "harmlessness"], alpha: 1 },
    aligners: [
      { aligner: { kind: "best_of_n", n: 4 }, weight: 3 },
      { aligner: { kind: "identity" }, weight: 1 },
    ],
    tasksPerGroup: 2,
  },
  checkpointEvery: 5,
} as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** A refresh job. */
export const JobSpecSchema = z.strictObject({
  /** The served model name to refresh (its serving version is the starting point and the reference). */
  model: z.string().min(1).default("default"),
  /** GRPO configuration; fields left out take DEFAULT_TRAINING's values, then the run's defaults. */
  training: z.preprocess(
    (value) => isObject(value) ? { ...DEFAULT_TRAINING, ...value } : value ?? DEFAULT_TRAINING,
    GrpoConfigSchema,
  ),
  /** Training prompts: `count` user prompts drawn from the project corpus with `seed`, or given texts. */
  prompts: z.discriminatedUnion("source", [
    z.strictObject({
      source: z.literal("corpus"),
      count: z.int().min(1).max(100_000).default(256),
      seed: z.int().min(0).default(1),
    }),
    z.strictObject({ source: z.literal("explicit"), texts: z.array(z.string().min(1)).min(1) }),
  ]).default({ source: "corpus", count: 256, seed: 1 }),
  /** The comparison with the serving version, and the promotion gate's thresholds. */
  evaluation: EvaluationGridSchema.default(EvaluationGridSchema.parse({})),
  /**
   * Calibration and quality curves of the new version (written into its folder, used once it serves):
   * held-out calibration prompts × responses of up to `maxTokens`; `false` skips them (identity
   * calibration and `auto`'s fallback rule on that version).
   */
  calibration: z.union([
    z.literal(false),
    z.strictObject({
      prompts: z.int().min(1).max(256).default(64),
      samplesPerPrompt: z.int().min(2).max(64).default(16),
      maxTokens: z.int().min(1).max(4096).default(160),
      /** Blockwise runs per prompt and weighting, for blockwise's cost (calibrateModelFolder; 0: none). */
      blockwiseRuns: z.int().min(0).max(16).default(1),
    }),
  ]).default({ prompts: 64, samplesPerPrompt: 16, maxTokens: 160, blockwiseRuns: 1 }),
  /** `gate`: promote when decidePromotion says so; `never`: only register the version. */
  promotion: z.enum(["gate", "never"]).default("gate"),
});

/** A validated job spec (defaults filled in, plain JSON). */
export type JobSpec = z.output<typeof JobSpecSchema>;

/**
 * Parses a spec; throws the ZodError (its issue paths name the fields) on a bad one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJobSpec } from "./job_spec.ts";
 * const spec = parseJobSpec({ training: { steps: 3 } });
 * assert.equal(spec.training.steps, 3);
 * assert.equal(spec.training.groupSize, 8);
 * assert.throws(() => parseJobSpec({ training: { steps: 0 } }), /steps/);
 * ```
 */
export function parseJobSpec(json: unknown): JobSpec {
  return JobSpecSchema.parse(json);
}
