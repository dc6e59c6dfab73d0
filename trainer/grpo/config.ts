/**
 * The configuration of one non-linear GRPO run (IAMA.md §4): plain JSON data, so a caller can pass it to a
 * Worker or store it in a checkpoint. Standard GRPO is the same run with the identity aligner.
 *
 * @module
 */
import { z } from "zod";

const positiveInteger = z.number().int().min(1);
const finite = z.number().refine(Number.isFinite, "must be finite");
const positive = z.number().positive().refine(Number.isFinite, "must be finite");

const alignerSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("identity") }),
  z.strictObject({ kind: z.literal("best_of_n"), n: positiveInteger }),
  z.strictObject({ kind: z.literal("soft_best_of_n"), tau: positive, n: positiveInteger.optional() }),
]);

const criterionWeightsSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("dirichlet"),
    criteria: z.array(z.string().min(1)).min(1),
    alpha: z.union([positive, z.array(positive).min(1)]).default(1),
  }),
  z.strictObject({
    kind: z.literal("grid"),
    points: z.array(z.record(z.string(), finite)).min(1),
    probabilities: z.array(z.number().min(0)).optional(),
  }),
]);

const aggregatorSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("weighted_sum"), weights: z.array(finite).optional() }),
  z.strictObject({ kind: z.literal("min") }),
  z.strictObject({ kind: z.literal("smooth_min"), gamma: positive, weights: z.array(positive).optional() }),
]);

const klSchema = z.discriminatedUnion("kind", [
  /** β held fixed. */
  z.strictObject({ kind: z.literal("fixed"), beta: z.number().min(0).default(0.04) }),
  /** β adapted to hold KL̂ near `target`: log β ← log β + gain·(KL̂ − target)/target (IAMA.md §4). */
  z.strictObject({
    kind: z.literal("target"),
    target: positive.default(0.1),
    initialBeta: positive.default(0.04),
    gain: positive.default(0.1),
  }),
]);

export const GrpoConfigSchema = z.strictObject({
  /** Optimizer steps (each: one rollout batch, `policyEpochs` updates on it). */
  steps: positiveInteger.default(100),
  promptsPerStep: positiveInteger.default(4),
  /** M, completions per prompt (one group). */
  groupSize: positiveInteger.default(8),
  maxTokens: positiveInteger.default(48),
  /** Rollouts sample π itself: temperature 1, top_p 1, top_k 0, no penalties (only 1 is accepted). */
  temperature: z.literal(1).default(1),
  tasks: z.strictObject({
    criterionWeights: criterionWeightsSchema,
    aligners: z.array(z.strictObject({ aligner: alignerSchema, weight: z.number().min(0).default(1) }))
      .min(1).default([{ aligner: { kind: "identity" }, weight: 1 }]),
    /** Tasks drawn for each group; all of them reuse the group's scores (IAMA.md §3). */
    tasksPerGroup: positiveInteger.default(1),
  }),
  /** Per-criterion scoring parameters (e.g. `{ length: { target: 10 } }`). */
  criterionParams: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  aggregator: aggregatorSchema.default({ kind: "weighted_sum" }),
  advantage: z.strictObject({
    scaleByStd: z.boolean().default(true),
    epsilon: z.number().min(0).default(1e-4),
  }).prefault({}),
  clipEpsilon: positive.default(0.2),
  kl: klSchema.default({ kind: "fixed", beta: 0.04 }),
  learningRate: positive.default(1e-5),
  warmupSteps: z.number().int().min(0).default(0),
  /** Cosine decay to this fraction of the peak at the last step; 1 keeps the rate constant after warm-up. */
  finalLearningRateRatio: z.number().min(0).max(1).default(1),
  weightDecay: z.number().min(0).default(0),
  gradientClipNorm: positive.default(1),
  adamBeta1: z.number().min(0).max(1).default(0.9),
  adamBeta2: z.number().min(0).max(1).default(0.99),
  /** Updates per rollout batch; the first sees ρ = 1. */
  policyEpochs: positiveInteger.default(1),
  /** Rows per training-graph run; gradients of the runs are summed (bounds memory, not the result). */
  microBatchRows: positiveInteger.default(8),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  /** onnxruntime intra-op threads of the trainer's engine and training sessions. */
  threads: positiveInteger.default(2),
  checkpointEvery: positiveInteger.default(10),
});

/** A parsed configuration (every default filled in). */
export type GrpoConfig = z.infer<typeof GrpoConfigSchema>;
/** What a caller writes: defaults may be left out. */
export type GrpoConfigInput = z.input<typeof GrpoConfigSchema>;

/**
 * The fields that may change between a run and its resumption (they do not change what is computed).
 * Anything else differing from the checkpoint's configuration is an error.
 */
export const RESUMABLE_CHANGES = ["steps", "threads", "checkpointEvery"] as const;
