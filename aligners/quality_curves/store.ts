/**
 * Quality curves of one model version as a JSON file beside its calibration (`quality_curves.json`
 * next to `calibration.json` in the model folder): for each measured weighting (calibrated scores,
 * aggregator sum), each aligner and budget's expected aligned reward and each sampled response's
 * calibrated aggregate, plus what the cost model needs (completion lengths per prompt, the engine-time
 * model of engine_time.ts). `aggregates[p][j]` belongs to the response of `completionTokens[p][j]`:
 * together they give the length law of the answer a reward-guided choice commits to (chosen_law.ts;
 * blockwise decoding's cost).
 *
 *     {
 *       "modelVersion": "4988c6dc9211", "calibrationMethod": "z_score",
 *       "sampling": { "temperature": 1, "topP": 1, "maxTokens": 160 }, "samplesPerPrompt": 16, "seed": 1,
 *       "completionTokens": [[23, 118, ...], ...],          // per prompt, one per sampled response
 *       "meanCompletionTokens": 71.3,
 *       "timing": { "millisecondsPerPass": 1.6, "millisecondsPerGeneratedToken": 0.35, "millisecondsPerPrefillToken": 0.12 },
 *       "weightings": [{ "weights": { "helpfulness": 1 }, "aggregator": "sum", "rMax": 2.4,
 *         "aggregates": [[0.31, -1.2, null, ...], ...],     // per prompt, per response (null: no criterion applied)
 *         "blockwise": [{ "k": 4, "blockTokens": 16,
 *           "committedTokens": [[88, 41], ...],                  // per prompt, per run
 *           "candidateTokens": [[[[16, 16, 9, 16], ...], ...], ...],   // per prompt, run, block, candidate
 *           "rewards": [[0.52, 0.9], ...] }],                    // per prompt, per run: committed answer's aggregate
 *         "points": [{ "aligner": "best_of_n", "params": { "n": 4 }, "expectedReward": 0.81,
 *           "batches": [{ "size": 4, "probability": 1 }] }, ...,
 *           { "aligner": "blockwise", "params": { "k": 4, "blockTokens": 16 }, "expectedReward": 0.7 }] }, ...]
 *     }
 *
 * A blockwise point has no `batches`: its cost is predicted from its measured runs (predict.ts
 * `predictAlignerCost`), not from candidate batches.
 *
 * Reading validates the shape (zod) and, when asked, the model version; writing is atomic. Files written
 * before `aggregates`, `blockwise` or its `rewards` existed still load (all are optional); their blockwise
 * predictions fall back to best-of-k's chosen answer, or to a random one (predict.ts), and without
 * rewards the curves have no blockwise point; files of the older engine-time model (per pass and per
 * candidate per pass) load as the new one without its prefill part. Rerun `deno task calibrate` to update them.
 *
 * @module
 */
import { z } from "zod";
import { writeFileAtomic } from "../../models/io/atomic_write.ts";

/** Aligners whose curve points are candidate batches (names as the aligners report them). */
export const BATCH_CURVE_ALIGNERS = ["best_of_n", "soft_best_of_n", "rejection_sampling"] as const;
/** Aligners the curves describe. */
export const CURVE_ALIGNERS = [...BATCH_CURVE_ALIGNERS, "blockwise"] as const;

const batchSchema = z.strictObject({
  size: z.int().min(1),
  /** Probability that this candidate batch is drawn. */
  probability: z.number().min(0).max(1),
});

const batchPointSchema = z.strictObject({
  aligner: z.enum(BATCH_CURVE_ALIGNERS),
  /** The aligner's parameters, as its `params` (n; n, temperature; temperature, rMax, batchSize, maxDraws). */
  params: z.record(z.string(), z.number()),
  /** Mean over prompts of the expected aggregate of the returned response. */
  expectedReward: z.number(),
  batches: z.array(batchSchema).min(1),
});

const blockwisePointSchema = z.strictObject({
  aligner: z.literal("blockwise"),
  params: z.strictObject({ k: z.int().min(1), blockTokens: z.int().min(1) }),
  /** Mean over prompts of the mean over that prompt's runs of the committed answer's aggregate. */
  expectedReward: z.number(),
});

const pointSchema = z.discriminatedUnion("aligner", [batchPointSchema, blockwisePointSchema]);

const blockwiseSchema = z.strictObject({
  k: z.int().min(1),
  blockTokens: z.int().min(1),
  /** Per prompt (as `completionTokens`), per run: completion tokens of the answer committed to. */
  committedTokens: z.array(z.array(z.int().min(0)).min(1)),
  /** Per prompt, per run, per block, per candidate: tokens generated (blockwise_replay.ts). */
  candidateTokens: z.array(z.array(z.array(z.array(z.int().min(0)).min(1)).min(1))),
  /** Per prompt, per run: the committed answer's aggregate under the weighting (null: not applicable). */
  rewards: z.array(z.array(z.number().nullable()).min(1)).optional(),
});

const weightingSchema = z.strictObject({
  weights: z.record(z.string(), z.number().positive()),
  aggregator: z.literal("sum"),
  /** Largest aggregate seen among the sampled responses (rejection sampling's r_max). */
  rMax: z.number(),
  /** Per prompt, per sampled response (as `completionTokens`): its calibrated aggregate; null = not applicable. */
  aggregates: z.array(z.array(z.number().nullable()).min(1)).optional(),
  /** Blockwise decoding run under this weighting (measure_blockwise.ts): its committed answers' lengths. */
  blockwise: z.array(blockwiseSchema).optional(),
  points: z.array(pointSchema).min(1),
});

type Path = (string | number)[];

/**
 * Where `rows` does not have one row per row of `reference`, each as long: [] for the row count, [p] for
 * row p; undefined when it fits.
 */
function misfit(
  rows: readonly { length: number }[],
  reference: readonly { length: number }[],
): number[] | undefined {
  if (rows.length !== reference.length) return [];
  const p = rows.findIndex((row, i) => row.length !== reference[i].length);
  return p < 0 ? undefined : [p];
}

/** Schema of a stored quality-curves file. */
export const qualityCurvesSchema = z.strictObject({
  modelVersion: z.string().min(1),
  calibrationMethod: z.enum(["z_score", "quantile"]),
  sampling: z.strictObject({
    temperature: z.number().min(0),
    topP: z.number().gt(0).max(1),
    maxTokens: z.int().min(1),
  }),
  samplesPerPrompt: z.int().min(1),
  seed: z.int().min(0),
  completionTokens: z.array(z.array(z.int().min(0)).min(1)).min(1),
  meanCompletionTokens: z.number().min(0),
  /** The engine-time model of a request (engine_time.ts); files of the older per-pass model still load. */
  timing: z.union([
    z.strictObject({
      millisecondsPerPass: z.number().min(0),
      millisecondsPerGeneratedToken: z.number().min(0),
      millisecondsPerPrefillToken: z.number().min(0),
    }),
    // passes · (a + b · n) charged b per candidate per pass, i.e. about b per generated token.
    z.strictObject({ millisecondsPerPass: z.number(), millisecondsPerPassPerCandidate: z.number() })
      .transform(({ millisecondsPerPass, millisecondsPerPassPerCandidate }) => ({
        millisecondsPerPass,
        millisecondsPerGeneratedToken: millisecondsPerPassPerCandidate,
        millisecondsPerPrefillToken: 0,
      })),
  ]),
  weightings: z.array(weightingSchema).min(1),
}).superRefine((curves, context) => {
  const check = (
    rows: readonly { length: number }[],
    reference: readonly { length: number }[],
    path: Path,
    message: string,
  ) => {
    const at = misfit(rows, reference);
    if (at !== undefined) context.addIssue({ code: "custom", path: [...path, ...at], message });
  };
  curves.weightings.forEach(({ aggregates, blockwise }, w) => {
    if (aggregates !== undefined) {
      check(
        aggregates,
        curves.completionTokens,
        ["weightings", w, "aggregates"],
        "must have one aggregate per response of completionTokens",
      );
    }
    blockwise?.forEach(({ committedTokens, candidateTokens, rewards }, b) => {
      const path = ["weightings", w, "blockwise", b];
      if (committedTokens.length !== curves.completionTokens.length) {
        context.addIssue({
          code: "custom",
          path: [...path, "committedTokens"],
          message: "must have one list of lengths per prompt of completionTokens",
        });
      }
      check(
        candidateTokens,
        committedTokens,
        [...path, "candidateTokens"],
        "must have one run per run of committedTokens",
      );
      if (rewards !== undefined) {
        check(
          rewards,
          committedTokens,
          [...path, "rewards"],
          "must have one reward per run of committedTokens",
        );
      }
    });
  });
});

/** Quality curves of one model version. */
export type QualityCurves = z.output<typeof qualityCurvesSchema>;
/** One weighting's curves. */
export type WeightingCurves = QualityCurves["weightings"][number];
/** One (aligner, budget) point of a curve. */
export type CurvePoint = WeightingCurves["points"][number];
/** A point whose cost is its candidate batches (best-of-N, soft best-of-N, rejection sampling). */
export type BatchCurvePoint = Exclude<CurvePoint, { aligner: "blockwise" }>;
/** Blockwise decoding's point (its cost comes from its measured runs). */
export type BlockwiseCurvePoint = Extract<CurvePoint, { aligner: "blockwise" }>;
/** One blockwise configuration's measured runs under a weighting. */
export type BlockwiseRuns = NonNullable<WeightingCurves["blockwise"]>[number];

/** A quality-curves file that cannot be read or does not fit. */
export class QualityCurvesError extends Error {
  override name = "QualityCurvesError";
}

/**
 * Validates parsed JSON as quality curves; throws QualityCurvesError naming the bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQualityCurves } from "./store.ts";
 * assert.throws(() => parseQualityCurves({ modelVersion: "v1" }), /calibrationMethod/);
 * ```
 */
export function parseQualityCurves(json: unknown, source = "quality curves"): QualityCurves {
  const result = qualityCurvesSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new QualityCurvesError(`${source}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

/**
 * Reads a quality-curves file; with `modelVersion`, a file measured on another version is rejected.
 *
 * @example
 * ```ts ignore
 * const curves = await loadQualityCurves("models/default/quality_curves.json", { modelVersion: "4988c6dc9211" });
 * ```
 */
export async function loadQualityCurves(
  path: string,
  options: { modelVersion?: string } = {},
): Promise<QualityCurves> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new QualityCurvesError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const curves = parseQualityCurves(json, path);
  if (options.modelVersion !== undefined && curves.modelVersion !== options.modelVersion) {
    throw new QualityCurvesError(
      `${path} holds quality curves for model version "${curves.modelVersion}", not "${options.modelVersion}"`,
    );
  }
  return curves;
}

/**
 * Writes quality curves as indented JSON (arrays of numbers on one line), validated first, atomically.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadQualityCurves, saveQualityCurves } from "./store.ts";
 * const curves = {
 *   modelVersion: "v1", calibrationMethod: "z_score" as const, sampling: { temperature: 1, topP: 1, maxTokens: 8 },
 *   samplesPerPrompt: 2, seed: 1, completionTokens: [[3, 8]], meanCompletionTokens: 5.5,
 *   timing: { millisecondsPerPass: 1, millisecondsPerGeneratedToken: 0.1, millisecondsPerPrefillToken: 0.01 },
 *   weightings: [{ weights: { length: 1 }, aggregator: "sum" as const, rMax: 0, aggregates: [[0, null]], points: [
 *     { aligner: "best_of_n" as const, params: { n: 1 }, expectedReward: 0, batches: [{ size: 1, probability: 1 }] },
 *   ] }],
 * };
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await saveQualityCurves(path, curves);
 * assert.deepEqual(await loadQualityCurves(path, { modelVersion: "v1" }), curves);
 * await assert.rejects(loadQualityCurves(path, { modelVersion: "v2" }), /model version/);
 * assert.match(await Deno.readTextFile(path), /"aggregates": \[\s*\[0, null\]\s*\]/);
 * await Deno.remove(path);
 * ```
 */
export async function saveQualityCurves(path: string, curves: QualityCurves): Promise<void> {
  const text = JSON.stringify(parseQualityCurves(curves), null, 2)
    .replace(
      /\[\s*((?:[-+\d.e,\s]|null)*?)\s*\]/g,
      (_, numbers: string) => `[${numbers.split(/,\s*/).join(", ")}]`,
    );
  await writeFileAtomic(path, text + "\n");
}
