/**
 * The per-request `alignment` spec on the wire (our one extension object, in the body of
 * `/v1/completions` and `/v1/chat/completions`, or as JSON in the `x-alignment` header; the body
 * wins), the receipt the response carries back, and the conversion of a spec into an aligner with its
 * task criteria (user value → API default; `auto` = the planner).
 *
 *     alignment: { criteria: { name: weight ≥ 0 }, params?, aggregator?, gamma?, aligner?, n?,
 *                  temperature_tau?, r_max?, max_draws?, budget?: { max_candidates?,
 *                  max_generated_tokens?, deadline_ms? } }
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
  createPlainSampling,
  createRejectionSampling,
  createSoftBestOfN,
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
export const ALIGNER_NAMES = ["auto", "sample", "best_of_n", "soft_best_of_n", "rejection"] as const;

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

/** Request features the aligned path does not serve; each a 400 naming the field. */
export interface AlignedRequestShape {
  n: number;
  logprobs: boolean;
  prompts: number;
}

/** Throws a RequestValidationError for what alignment cannot be combined with. */
export function checkAlignedRequest(shape: AlignedRequestShape): void {
  const reject = (param: string, message: string) => {
    throw new RequestValidationError(message, param, "unsupported_with_alignment");
  };
  if (shape.n > 1) reject("n", "n > 1 is not supported with alignment (the aligner returns one answer)");
  if (shape.logprobs) reject("logprobs", "logprobs are not supported with alignment");
  if (shape.prompts > 1) reject("prompt", "alignment takes one prompt per request");
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
  if (requested === "auto") {
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
  } else {
    candidates = spec.max_draws ?? DEFAULT_MAX_DRAWS;
    aligner = createRejectionSampling({
      temperature: spec.temperature_tau ?? 1,
      rMax: spec.r_max!,
      batchSize: Math.min(spec.n ?? DEFAULT_ALIGNER_N, candidates),
      maxDraws: candidates,
    });
    field = "max_draws";
  }
  const cost = aligner.estimateCost(costParams);
  if (candidates > (budget.max_candidates ?? Infinity)) {
    throw new RequestValidationError(
      `${aligner.name} draws up to ${candidates} candidates; alignment.budget.max_candidates allows ${budget.max_candidates}`,
      `alignment.${field}`,
      "over_budget",
    );
  }
  if (cost.generatedTokens > maxTokensBudget) {
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
    uncalibrated: z.array(z.string()),
    note: z.string().optional(),
  }),
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
}

/** The aligner's receipt as the wire's snake_case object. */
export function wireReceipt(
  receipt: Receipt,
  plan: AlignmentPlan,
  facts: { seed: number; calibration: CalibrationFacts; deadlineExceeded: boolean },
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
  if (plan.chosenBy === "planner") {
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
