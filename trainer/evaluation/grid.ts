/**
 * The evaluation grid (DESIGN.md, "data flow of one refresh"): which tasks a candidate model version is
 * compared with the serving one on, and the promotion gate's thresholds. A cell is one
 * (weighting, aligner with its budget, prompt); each cell runs `seedsPerCell` seeds, the same seeds for
 * both models, and reports the mean over them.
 *
 * Units *(project choice)*: `klBound.nats` bounds KL(candidate ‖ reference) in nats, either per
 * sequence (the sum over a response's tokens, end-of-sequence included, of up to `maxTokens` tokens:
 * the KL of IAMA.md §2) or per token (that sum over all sampled responses divided by their tokens).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EvaluationGridSchema, gridCells } from "./grid.ts";
 * const grid = EvaluationGridSchema.parse({
 *   aligners: [{ type: "sample" }, { type: "best_of_n", n: [2, 4] }],
 *   prompts: { source: "explicit", texts: ["Hi?", "How do I boil eggs?"] },
 * });
 * assert.equal(grid.weightings.length, 3); // the default weightings
 * assert.equal(gridCells(grid, 2).length, 3 * 3 * 2); // weightings × aligners with budgets × prompts
 * ```
 *
 * @module
 */
import { z } from "zod";
import { type Aligner, createBestOfN, createPlainSampling, createSoftBestOfN } from "../../aligners/mod.ts";

const positiveInteger = z.number().int().min(1);
const budgets = z.union([positiveInteger, z.array(positiveInteger).min(1)])
  .transform((n) => (Array.isArray(n) ? n : [n]));

/** An aligner of the grid with one or several budgets (one column of the grid per budget). */
export const GridAlignerSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("sample") }),
  z.strictObject({ type: z.literal("best_of_n"), n: budgets }),
  z.strictObject({
    type: z.literal("soft_best_of_n"),
    n: budgets,
    /** Temperature τ of the tilt, on the aggregate's (calibrated) scale. */
    temperature: z.number().positive().finite().default(1),
  }),
]);

const AggregatorSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("sum") }),
  z.strictObject({ type: z.literal("min") }),
  z.strictObject({ type: z.literal("smooth_min"), gamma: z.number().positive().finite() }),
]);

const WeightingSchema = z.record(z.string().min(1), z.number().min(0).finite())
  .refine((weights) => Object.values(weights).some((w) => w > 0), "a weighting needs a positive weight");

/** The metrics a gate can compare on (see metrics.ts). */
export const METRICS = ["mean_aggregate", "win_rate"] as const;
export type MetricName = typeof METRICS[number];

/** The evaluation grid and promotion gate, as stored with a model version (plain JSON). */
export const EvaluationGridSchema = z.strictObject({
  /** Criteria weightings (criterion name → weight), one row of the grid each. */
  weightings: z.array(WeightingSchema).min(1).default([
    { helpfulness: 1 },
    { harmlessness: 1 },
    { helpfulness: 0.5, harmlessness: 0.5 },
  ]),
  aligners: z.array(GridAlignerSchema).min(1).default([{ type: "sample" }, { type: "best_of_n", n: [4] }]),
  aggregator: AggregatorSchema.default({ type: "sum" }),
  /** Per-criterion parameters, by criterion name. */
  criteriaParams: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** The first `count` held-out prompts of trainer/corpus, or explicit user prompts. */
  prompts: z.discriminatedUnion("source", [
    z.strictObject({ source: z.literal("held_out"), count: positiveInteger }),
    z.strictObject({ source: z.literal("explicit"), texts: z.array(z.string().min(1)).min(1) }),
  ]).default({ source: "held_out", count: 16 }),
  maxTokens: positiveInteger.default(48),
  /** Sampling of the aligners' candidates (the KL samples always use temperature 1, top_p 1). */
  temperature: z.number().positive().finite().default(1),
  topP: z.number().gt(0).max(1).default(1),
  seedsPerCell: positiveInteger.default(1),
  /** Seed of prompt i's seed j: `baseSeed + i · seedsPerCell + j` (the same for every weighting and aligner). */
  baseSeed: z.number().int().min(0).max(2 ** 31).default(1),
  metric: z.enum(METRICS).default("mean_aggregate"),
  /** The candidate must beat serving on `metric` by at least this much (and by more than 0). */
  minImprovement: z.number().min(0).finite().default(0.05),
  /** Most KL(candidate ‖ reference) allowed. */
  klBound: z.strictObject({
    nats: z.number().min(0).finite(),
    per: z.enum(["sequence", "token"]),
  }).default({ nats: 5, per: "sequence" }),
  /** Responses sampled from the candidate per prompt for the KL estimate. */
  klSamplesPerPrompt: positiveInteger.default(4),
});

/** A parsed grid (defaults filled in). */
export type EvaluationGrid = z.infer<typeof EvaluationGridSchema>;
/** A grid as written by hand or stored (defaults optional). */
export type EvaluationGridInput = z.input<typeof EvaluationGridSchema>;

/** One aligner with one budget, as it appears in reports. */
export type AlignerCell =
  | { type: "sample" }
  | { type: "best_of_n"; n: number }
  | { type: "soft_best_of_n"; n: number; temperature: number };

/** One cell of the grid: a weighting, an aligner with its budget, a prompt (by index). */
export interface GridCell {
  weighting: Record<string, number>;
  aligner: AlignerCell;
  promptIndex: number;
}

/** Every aligner of the grid with one budget each, in grid order. */
export function alignerCells(grid: Pick<EvaluationGrid, "aligners">): AlignerCell[] {
  return grid.aligners.flatMap((aligner): AlignerCell[] => {
    if (aligner.type === "sample") return [{ type: "sample" }];
    if (aligner.type === "best_of_n") return aligner.n.map((n) => ({ type: "best_of_n", n }));
    return aligner.n.map((n) => ({ type: "soft_best_of_n", n, temperature: aligner.temperature }));
  });
}

/** The grid's cells for `promptCount` prompts: weighting-major, then aligner, then prompt. */
export function gridCells(
  grid: Pick<EvaluationGrid, "weightings" | "aligners">,
  promptCount: number,
): GridCell[] {
  const cells: GridCell[] = [];
  for (const weighting of grid.weightings) {
    for (const aligner of alignerCells(grid)) {
      for (let promptIndex = 0; promptIndex < promptCount; promptIndex++) {
        cells.push({ weighting: { ...weighting }, aligner, promptIndex });
      }
    }
  }
  return cells;
}

/**
 * The request seeds of prompt `promptIndex` (the same for both models, every weighting and aligner,
 * so the comparison is paired).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellSeeds } from "./grid.ts";
 * assert.deepEqual(cellSeeds({ baseSeed: 10, seedsPerCell: 2 }, 3), [16, 17]);
 * ```
 */
export function cellSeeds(
  grid: Pick<EvaluationGrid, "baseSeed" | "seedsPerCell">,
  promptIndex: number,
): number[] {
  const first = grid.baseSeed + promptIndex * grid.seedsPerCell;
  return Array.from({ length: grid.seedsPerCell }, (_, j) => first + j);
}

/** The aligner of a cell; plain sampling scores its answer so every cell has an aggregate. */
export function createCellAligner(cell: AlignerCell): Aligner {
  if (cell.type === "sample") return createPlainSampling({ score: true });
  if (cell.type === "best_of_n") return createBestOfN({ n: cell.n });
  return createSoftBestOfN({ n: cell.n, temperature: cell.temperature });
}
