/**
 * The per-request `alignment` spec on the wire (our one extension object, in the body of
 * `/v1/completions` and `/v1/chat/completions`, or as JSON in the `x-alignment` header; the body
 * wins), the receipt the response carries back, and the conversion of a spec into an aligner with its
 * task criteria (user value → API default; `auto` = the planner).
 *
 *     alignment: { criteria: { name: weight ≥ 0 }, params?, aggregator?, gamma?, aligner?, n?,
 *                  temperature_tau?, r_max?, max_draws?, k?, block_tokens?, budget?: { max_candidates?,
 *                  max_generated_tokens?, deadline_ms? } }
 *
 * `blockwise` (reward-guided blockwise decoding) draws `k` continuations of `block_tokens` tokens per
 * block; `pruned_best_of_n` is best-of-`n` generated `block_tokens` at a time, keeping the better half.
 *
 * Criterion names, weights and params are checked against the server's registry (aligners/criteria
 * raises typed errors; routes/errors.ts names the field `alignment.criteria.foo`).
 *
 * @module
 */
import { z } from "zod";
import {
  type Aligner,
  type Cost,
  createBestOfN,
  createBlockwise,
  createPlainSampling,
  createPrunedBestOfN,
  createRejectionSampling,
  createSoftBestOfN,
  DEFAULT_BLOCK_TOKENS,
  DEFAULT_BLOCKWISE_K,
  type PlannerDecision,
  planWithCurves,
  predictAlignerCost,
  type PredictedCost,
  type QualityCurves,
  type Receipt,
  type TaskCriteria,
} from "../aligners/mod.ts";
import {
  type Aggregator,
  type CriterionRegistry,
  validateRequestCriteria,
} from "../aligners/criteria/mod.ts";
import { RequestValidationError } from "./errors.ts";
import { validationError } from "./validation.ts";

/** The header that may carry the spec when the body does not. */
export const ALIGNMENT_HEADER = "x-alignment";
/** Candidates `auto` considers at most when the budget does not say. */
export const AUTO_MAX_CANDIDATES = 8;
/** `n` of best_of_n / soft_best_of_n (and rejection's batch) when the request leaves it out. */
export const DEFAULT_ALIGNER_N = 4;
/** Rejection sampling's `max_draws` when left out. */
export const DEFAULT_MAX_DRAWS = 16;
/** Criteria of legacy `best_of` when the server has no default spec. */
export const BUILTIN_DEFAULT_CRITERIA: Readonly<Record<string, number>> = { sentiment: 1, civility: 1 };

/** Aligners a request may name. */
export const ALIGNER_NAMES = [
  "auto",
  "sample",
  "best_of_n",
  "soft_best_of_n",
  "rejection",
  "blockwise",
  "pruned_best_of_n",
] as const;

/** The compute a request allows. */
export const AlignmentBudgetSchema = z.strictObject({
  max_candidates: z.int().min(1).max(64).optional(),
  max_generated_tokens: z.int().min(1).optional(),
  deadline_ms: z.int().min(1).optional(),
});

/** The `alignment` object. */
export const AlignmentSpecSchema = z.strictObject({
  criteria: z.record(z.string(), z.number()),
  params: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  aggregator: z.enum(["sum", "min", "smooth_min"]).optional(),
  gamma: z.number().positive().optional(),
  aligner: z.enum(ALIGNER_NAMES).optional(),
  n: z.int().min(1).max(64).optional(),
  temperature_tau: z.number().positive().optional(),
  r_max: z.number().optional(),
  max_draws: z.int().min(1).max(256).optional(),
  k: z.int().min(1).max(64).optional(),
  block_tokens: z.int().min(1).max(4096).optional(),
  budget: AlignmentBudgetSchema.optional(),
}).superRefine((spec, ctx) => {
  const issue = (field: string, message: string) => ctx.addIssue({ code: "custom", path: [field], message });
  if (spec.gamma !== undefined && spec.aggregator !== "smooth_min") issue("gamma", "only with smooth_min");
  if (spec.aligner === "rejection" && spec.r_max === undefined) {
    issue("r_max", "rejection sampling needs r_max, a known upper bound of the aggregate score");
  }
});

/** A validated alignment spec. */
export type AlignmentSpec = z.output<typeof AlignmentSpecSchema>;

const HeaderSchema = z.object({ [ALIGNMENT_HEADER]: AlignmentSpecSchema });

/**
 * The request's spec: the body's, else the header's (JSON, validated; errors name `x-alignment`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAlignmentSpec } from "./alignment_schema.ts";
 * assert.deepEqual(readAlignmentSpec(undefined, '{"criteria":{"length":1}}'), { criteria: { length: 1 } });
 * assert.equal(readAlignmentSpec(undefined, undefined), undefined);
 * assert.throws(() => readAlignmentSpec(undefined, "{oops"), { param: "x-alignment" });
 * ```
 */
export function readAlignmentSpec(
  body: AlignmentSpec | null | undefined,
  header: string | undefined,
): AlignmentSpec | undefined {
  if (body != null) return body;
  if (header === undefined || header.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(header);
  } catch (error) {
    throw new RequestValidationError(
      `The ${ALIGNMENT_HEADER} header is not valid JSON: ${(error as Error).message}`,
      ALIGNMENT_HEADER,
      "invalid_json",
    );
  }
  const wrapped = { [ALIGNMENT_HEADER]: value };
  const result = HeaderSchema.safeParse(wrapped);
  if (!result.success) throw validationError(result.error, wrapped);
  return result.data[ALIGNMENT_HEADER];
}

/** The spec legacy `best_of` stands for: reward-based best-of-N under the default spec's criteria. */
export function bestOfSpec(bestOf: number, defaults: AlignmentSpec | undefined): AlignmentSpec {
  const base = defaults ?? { criteria: { ...BUILTIN_DEFAULT_CRITERIA } };
  return { ...base, aligner: "best_of_n", n: bestOf, budget: undefined };
}

/**
 * Request features the aligned path does not serve; each a 400 naming the field. (`n` > 1 runs the
 * aligner once per choice; `logprobs` returns the chosen tokens' log-probs.)
 */
export interface AlignedRequestShape {
  prompts: number;
  /** `/v1/completions` `echo` with `logprobs`: the prompt's log-probs, which no aligner computes. */
  echoLogprobs?: boolean;
}

/** Throws a RequestValidationError for what alignment cannot be combined with. */
export function checkAlignedRequest(shape: AlignedRequestShape): void {
  const reject = (param: string, message: string) => {
    throw new RequestValidationError(message, param, "unsupported_with_alignment");
  };
  if (shape.prompts > 1) reject("prompt", "alignment takes one prompt per request");
  if (shape.echoLogprobs) {
    reject("echo", "echo with logprobs (prompt log-probs) is not supported with alignment");
  }
}

/** A spec converted: the aligner with its budget, the task criteria, and who chose the aligner. */
export interface AlignmentPlan {
  aligner: Aligner;
  criteria: TaskCriteria;
  /** `planner` when `auto` chose the aligner. */
  chosenBy: "request" | "planner";
  requested: (typeof ALIGNER_NAMES)[number];
  /** Predicted upper bound of the run's compute. */
  cost: Cost;
  /** Expected compute (from the serving version's quality curves, when there are some). */
  predicted?: PredictedCost;
  /** What `auto` weighed, when quality curves chose the aligner. */
  planner?: PlannerDecision;
  deadlineMs?: number;
}

/**
 * The aligner and criteria of a spec for a request of this shape. Throws the criteria's typed errors
 * (unknown names, bad weights or params) and RequestValidationError for budgets that cannot be met.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBuiltinCriteria, CriterionRegistry } from "../aligners/criteria/mod.ts";
 * import { planAlignment } from "./alignment_schema.ts";
 * const registry = new CriterionRegistry(createBuiltinCriteria());
 * const shape = { promptTokens: 5, maxTokens: 10 };
 * const plan = planAlignment({ criteria: { length: 1 }, budget: { max_generated_tokens: 35 } }, shape, registry);
 * assert.equal(plan.aligner.name, "best_of_n");
 * assert.deepEqual(plan.aligner.params, { n: 3 });
 * assert.equal(plan.chosenBy, "planner");
 * assert.throws(() => planAlignment({ criteria: { length: 1 }, budget: { max_generated_tokens: 9 } }, shape, registry));
 * ```
 */
export function planAlignment(
  spec: AlignmentSpec,
  shape: { promptTokens: number; maxTokens: number },
  registry: CriterionRegistry,
  /** Quality curves of the serving model version (aligners/planner.ts); none: `auto`'s fallback rule. */
  curves?: QualityCurves,
): AlignmentPlan {
  const positive = validateRequestCriteria(registry, spec.criteria, spec.params);
  const aggregator: Aggregator = spec.aggregator === "smooth_min"
    ? { type: "smooth_min", gamma: spec.gamma ?? 1 }
    : { type: spec.aggregator ?? "sum" };
  const criteria: TaskCriteria = { weights: spec.criteria, params: spec.params, aggregator };
  const costParams = { ...shape, criteriaCount: Object.keys(positive).length };
  const budget = spec.budget ?? {};
  const maxTokensBudget = budget.max_generated_tokens ?? Infinity;
  if (maxTokensBudget < shape.maxTokens) {
    throw new RequestValidationError(
      `alignment.budget.max_generated_tokens (${maxTokensBudget}) is below the minimum: one candidate of max_tokens (${shape.maxTokens})`,
      "alignment.budget.max_generated_tokens",
      "budget_too_small",
    );
  }
  const requested = spec.aligner ?? "auto";
  let aligner: Aligner;
  let candidates: number;
  let field: string;
  let planner: PlannerDecision | undefined;
  if (requested === "auto" && curves !== undefined) {
    planner = planWithCurves(curves, spec.criteria, aggregator, costParams, {
      maxCandidates: Math.max(1, budget.max_candidates ?? spec.n ?? AUTO_MAX_CANDIDATES),
      maxGeneratedTokens: maxTokensBudget,
      deadlineMs: budget.deadline_ms,
    });
    [aligner, candidates, field] = [planner.aligner, planner.chosen.candidates, "aligner"];
  } else if (requested === "auto") {
    // Fallback without curves: the largest best-of-N whose upper-bound cost fits.
    let n = Math.max(1, budget.max_candidates ?? spec.n ?? AUTO_MAX_CANDIDATES);
    while (n > 1 && createBestOfN({ n }).estimateCost(costParams).generatedTokens > maxTokensBudget) n--;
    aligner = createBestOfN({ n });
    candidates = n;
    field = "n";
  } else if (requested === "sample") {
    [aligner, candidates, field] = [createPlainSampling({ score: true }), 1, "aligner"];
  } else if (requested === "best_of_n") {
    candidates = spec.n ?? DEFAULT_ALIGNER_N;
    [aligner, field] = [createBestOfN({ n: candidates }), "n"];
  } else if (requested === "soft_best_of_n") {
    candidates = spec.n ?? DEFAULT_ALIGNER_N;
    aligner = createSoftBestOfN({ n: candidates, temperature: spec.temperature_tau ?? 1 });
    field = "n";
  } else if (requested === "rejection") {
    candidates = spec.max_draws ?? DEFAULT_MAX_DRAWS;
    aligner = createRejectionSampling({
      temperature: spec.temperature_tau ?? 1,
      rMax: spec.r_max!,
      batchSize: Math.min(spec.n ?? DEFAULT_ALIGNER_N, candidates),
      maxDraws: candidates,
    });
    field = "max_draws";
  } else if (requested === "blockwise") {
    candidates = spec.k ?? DEFAULT_BLOCKWISE_K;
    aligner = createBlockwise({ k: candidates, blockTokens: spec.block_tokens ?? DEFAULT_BLOCK_TOKENS });
    field = "k";
  } else {
    candidates = spec.n ?? DEFAULT_ALIGNER_N;
    aligner = createPrunedBestOfN({ n: candidates, blockTokens: spec.block_tokens ?? DEFAULT_BLOCK_TOKENS });
    field = "n";
  }
  const cost = aligner.estimateCost(costParams);
  if (candidates > (budget.max_candidates ?? Infinity)) {
    throw new RequestValidationError(
      `${aligner.name} draws up to ${candidates} candidates; alignment.budget.max_candidates allows ${budget.max_candidates}`,
      `alignment.${field}`,
      "over_budget",
    );
  }
  // The planner holds the token budget in expectation; a requested aligner must fit it at worst.
  if (planner === undefined && cost.generatedTokens > maxTokensBudget) {
    throw new RequestValidationError(
      `${aligner.name} may generate ${cost.generatedTokens} tokens (${candidates} × max_tokens ${shape.maxTokens}); alignment.budget.max_generated_tokens allows ${maxTokensBudget}`,
      `alignment.${field}`,
      "over_budget",
    );
  }
  return {
    aligner,
    criteria,
    chosenBy: requested === "auto" ? "planner" : "request",
    requested,
    cost,
    predicted: planner?.chosen.predicted ??
      (curves && predictAlignerCost(curves, aligner, costParams, spec.criteria)),
    planner,
    deadlineMs: budget.deadline_ms,
  };
}

const nullableNumber = z.number().nullable();

/** The receipt on the wire: the response's top-level `alignment` object. */
export const AlignmentReceiptSchema = z.object({
  aligner: z.string(),
  requested_aligner: z.enum(ALIGNER_NAMES),
  chosen_by: z.enum(["request", "planner"]),
  parameters: z.record(z.string(), z.unknown()),
  seed: z.int(),
  /** With n > 1: choice i ran with the request generator's PCG stream i. */
  seed_stream: z.int().optional(),
  candidate_seeds: z.array(z.int()),
  candidates_considered: z.int(),
  chosen_index: z.int(),
  criteria: z.record(
    z.string(),
    z.object({ weight: z.number(), raw: nullableNumber, calibrated: nullableNumber }),
  ),
  aggregator: z.record(z.string(), z.unknown()).nullable(),
  aggregate: nullableNumber,
  aggregates: z.array(nullableNumber),
  calibration: z.object({
    method: z.string(),
    model_version: z.string().nullable(),
    /** The calibration file used (absent: none, identity calibration). */
    file: z.string().optional(),
    uncalibrated: z.array(z.string()),
    note: z.string().optional(),
  }),
  /** Why `auto` chose this aligner, when the serving version's quality curves decided. */
  plan: z.object({
    rule: z.literal("quality_curves"),
    curves_model_version: z.string(),
    weighting: z.record(z.string(), z.number()),
    weighting_distance: z.number(),
    expected_aggregate: z.number(),
    predicted_compute: z.object({
      prefill_tokens: z.number(),
      generated_tokens: z.number(),
      forward_passes: z.number(),
      reward_evaluations: z.number(),
      milliseconds: z.number(),
    }),
    options_considered: z.int(),
    options_within_budget: z.int(),
    reason: z.string(),
  }).optional(),
  compute: z.object({
    forward_passes: z.int(),
    prefill_tokens: z.int(),
    generated_tokens: z.int(),
    reward_evaluations: z.int(),
    milliseconds: z.number(),
  }),
  deadline_exceeded: z.boolean(),
  model_version: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** The receipt on the wire. */
export type AlignmentReceipt = z.output<typeof AlignmentReceiptSchema>;

/** `usage.alignment_compute`: what every candidate cost (completion_tokens counts only the answer). */
export interface AlignmentUsage {
  candidates: number;
  generated_tokens: number;
  forward_passes: number;
  reward_evaluations: number;
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const snakeKeys = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [snake(k), v]));

/** How the calibrator treated the weighted criteria, for the receipt. */
export interface CalibrationFacts {
  method: string;
  modelVersion: string | undefined;
  uncalibrated: string[];
  /** The file the statistics came from. */
  file?: string;
}

/** The aligner's receipt as the wire's snake_case object. */
export function wireReceipt(
  receipt: Receipt,
  plan: AlignmentPlan,
  facts: { seed: number; seedStream?: number; calibration: CalibrationFacts; deadlineExceeded: boolean },
): AlignmentReceipt {
  const { calibration } = facts;
  const wire: AlignmentReceipt = {
    aligner: receipt.aligner,
    requested_aligner: plan.requested,
    chosen_by: plan.chosenBy,
    parameters: snakeKeys(receipt.params),
    seed: facts.seed,
    candidate_seeds: receipt.seeds,
    candidates_considered: receipt.candidates,
    chosen_index: receipt.chosen,
    criteria: receipt.criteria ?? {},
    aggregator: receipt.aggregator ? { ...receipt.aggregator } : null,
    aggregate: receipt.aggregate ?? null,
    aggregates: receipt.aggregates ?? [],
    calibration: {
      method: calibration.uncalibrated.length > 0 && calibration.modelVersion === undefined
        ? "identity"
        : calibration.method,
      model_version: calibration.modelVersion ?? null,
      uncalibrated: calibration.uncalibrated,
    },
    compute: {
      forward_passes: receipt.compute.forwardPasses,
      prefill_tokens: receipt.compute.prefillTokens,
      generated_tokens: receipt.compute.generatedTokens,
      reward_evaluations: receipt.compute.rewardEvaluations,
      milliseconds: Math.round(receipt.compute.wallMilliseconds * 1000) / 1000,
    },
    deadline_exceeded: facts.deadlineExceeded,
    model_version: receipt.modelVersion,
  };
  if (facts.seedStream !== undefined) wire.seed_stream = facts.seedStream;
  if (calibration.file !== undefined) wire.calibration.file = calibration.file;
  const decision = plan.planner;
  if (decision !== undefined) {
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const predicted = decision.chosen.predicted;
    wire.parameters.planner = "auto: the highest expected aggregate within the budget (quality curves)";
    wire.plan = {
      rule: "quality_curves",
      curves_model_version: decision.modelVersion,
      weighting: { ...decision.weighting.weights },
      weighting_distance: round(decision.weighting.distance),
      expected_aggregate: round(decision.chosen.point.expectedReward),
      predicted_compute: {
        prefill_tokens: round(predicted.prefillTokens),
        generated_tokens: round(predicted.generatedTokens),
        forward_passes: round(predicted.forwardPasses),
        reward_evaluations: round(predicted.rewardEvaluations),
        milliseconds: round(predicted.milliseconds),
      },
      options_considered: decision.optionsConsidered,
      options_within_budget: decision.optionsFeasible,
      reason: decision.reason,
    };
  } else if (plan.chosenBy === "planner") {
    wire.parameters.planner = "auto: the largest best-of-N whose predicted cost fits the budget";
  }
  if (calibration.uncalibrated.length > 0) {
    wire.calibration.note = "identity calibration (no calibration files for these criteria yet): " +
      "raw scores are weighted as they are";
  }
  if (receipt.details) wire.details = snakeKeys(receipt.details);
  return wire;
}

/** `usage.alignment_compute` from a receipt. */
export function alignmentUsage(receipt: Receipt): AlignmentUsage {
  return {
    candidates: receipt.candidates,
    generated_tokens: receipt.compute.generatedTokens,
    forward_passes: receipt.compute.forwardPasses,
    reward_evaluations: receipt.compute.rewardEvaluations,
  };
}
