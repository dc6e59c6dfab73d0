/**
 * Calibration: putting every criterion on a common scale so that weights compare like with like
 * (IAMA.md §1, `r_w = Σ w_i · r̂_i`). Statistics of each criterion's raw scores on responses of the
 * serving model are stored with that model's version; a raw score then maps to
 *
 * - `z_score` (default): r̂ = (r − mean) / std, std the population standard deviation of the
 *   calibration sample (so that sample maps to mean 0, std 1 exactly). A criterion that did not vary
 *   on the sample (std = 0) keeps raw units: r̂ = r − mean.
 * - `quantile`: r̂ = F̂(r) ∈ [0, 1], F̂ the piecewise-linear interpolation of the stored quantiles
 *   (level, value) (quantiles estimated by linear interpolation between order statistics, Hyndman &
 *   Fan type 7, as numpy's default). Below the minimum 0, above the maximum 1; a value shared by
 *   several quantiles (a discrete criterion) maps to the middle of their levels (mid-rank).
 *
 * Stored JSON (see `calibration_store.ts`): `{ modelVersion, criteria: { name: { mean, std,
 * quantiles: [{ level, value }], samples, params? } } }`. NaN raw scores ("not applicable") are
 * left out of the statistics and calibrate to NaN.
 *
 * @module
 */
import type { Criterion } from "./criterion.ts";
import { CalibrationError, MissingCalibrationError } from "./errors.ts";

/** One quantile of a criterion's raw-score distribution. */
export interface Quantile {
  /** Probability level in [0, 1]. */
  level: number;
  value: number;
}

/** Statistics of one criterion's raw scores under the serving model. */
export interface CriterionCalibration {
  mean: number;
  /** Population standard deviation (divides by `samples`). */
  std: number;
  /** Ascending levels from 0 (the minimum) to 1 (the maximum). */
  quantiles: Quantile[];
  /** Number of finite raw scores the statistics come from. */
  samples: number;
  /** The criterion parameters the scores were computed with, if any. */
  params?: Record<string, unknown>;
}

/** Calibration of several criteria for one model version. */
export interface CalibrationSet {
  modelVersion: string;
  criteria: Record<string, CriterionCalibration>;
}

/** How raw scores map to calibrated ones. */
export type CalibrationMethod = "z_score" | "quantile";

/** Quantile levels stored by default: dense in the tails, every 5 % in between. */
export const DEFAULT_QUANTILE_LEVELS: readonly number[] = [
  0,
  0.01,
  0.025,
  ...Array.from({ length: 19 }, (_, k) => (k + 1) / 20),
  0.975,
  0.99,
  1,
];

/**
 * Statistics of raw scores (NaN and ±Infinity left out). Throws CalibrationError if none is finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeScores } from "./calibration.ts";
 * const stats = summarizeScores([1, 2, 3, 4, NaN], [0, 0.5, 1]);
 * assert.deepEqual(stats, {
 *   mean: 2.5, std: Math.sqrt(1.25), samples: 4,
 *   quantiles: [{ level: 0, value: 1 }, { level: 0.5, value: 2.5 }, { level: 1, value: 4 }],
 * });
 * ```
 */
export function summarizeScores(
  raw: ArrayLike<number>,
  levels: readonly number[] = DEFAULT_QUANTILE_LEVELS,
): CriterionCalibration {
  checkLevels(levels);
  const values = Array.from(raw).filter(Number.isFinite).sort((a, b) => a - b);
  const n = values.length;
  if (n === 0) throw new CalibrationError("no finite scores to calibrate from");
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / n;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  const quantiles = levels.map((level) => {
    const position = (n - 1) * level;
    const below = Math.floor(position);
    const above = Math.min(below + 1, n - 1);
    const fraction = position - below;
    const value = fraction === 0 ? values[below] : values[below] + fraction * (values[above] - values[below]);
    return { level, value };
  });
  return { mean, std: Math.sqrt(squares / n), quantiles, samples: n };
}

function checkLevels(levels: readonly number[]): void {
  const ascending = levels.every((level, k) => k === 0 || level > levels[k - 1]);
  if (levels.length < 2 || levels[0] !== 0 || levels.at(-1) !== 1 || !ascending) {
    throw new CalibrationError("quantile levels must ascend strictly from 0 to 1");
  }
}

/**
 * Maps one raw score to its calibrated value (NaN stays NaN).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrateScore, summarizeScores } from "./calibration.ts";
 * const stats = summarizeScores([0, 10], [0, 1]); // mean 5, std 5
 * assert.equal(calibrateScore(stats, 10, "z_score"), 1);
 * assert.equal(calibrateScore(stats, 2.5, "quantile"), 0.25);
 * ```
 */
export function calibrateScore(stats: CriterionCalibration, raw: number, method: CalibrationMethod): number {
  if (Number.isNaN(raw)) return NaN;
  if (method === "z_score") return (raw - stats.mean) / (stats.std > 0 ? stats.std : 1);
  return quantileCdf(stats.quantiles, raw);
}

/** F̂(x) from quantile knots, as described in the module documentation. */
function quantileCdf(quantiles: readonly Quantile[], x: number): number {
  const last = quantiles.length - 1;
  if (x < quantiles[0].value) return 0;
  if (x > quantiles[last].value) return 1;
  let first = -1;
  let final = -1;
  for (let k = 0; k <= last; k++) {
    if (quantiles[k].value === x) {
      if (first < 0) first = k;
      final = k;
    }
  }
  if (first >= 0) return (quantiles[first].level + quantiles[final].level) / 2;
  let k = 0;
  while (quantiles[k + 1].value < x) k++;
  const low = quantiles[k];
  const high = quantiles[k + 1];
  return low.level + (high.level - low.level) * (x - low.value) / (high.value - low.value);
}

/**
 * Maps raw scores of named criteria to calibrated ones with one calibration set and method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator, summarizeScores } from "./calibration.ts";
 * const calibrator = new Calibrator({ modelVersion: "v1", criteria: { length: summarizeScores([-1, 0, 1]) } });
 * assert.deepEqual([...calibrator.calibrate("length", Float64Array.of(0, NaN))], [0, NaN]);
 * assert.throws(() => calibrator.calibrate("sentiment", Float64Array.of(1)), /no calibration/);
 * ```
 */
export class Calibrator {
  readonly method: CalibrationMethod;
  readonly #missing: "error" | "identity";

  /**
   * @param set the statistics (undefined: no criterion is calibrated)
   * @param options.missing what a criterion without statistics gets: an error (default) or its raw scores
   */
  constructor(
    readonly set: CalibrationSet | undefined,
    options: { method?: CalibrationMethod; missing?: "error" | "identity" } = {},
  ) {
    this.method = options.method ?? "z_score";
    this.#missing = options.missing ?? "error";
  }

  /** The model version the statistics were computed under, if any. */
  get modelVersion(): string | undefined {
    return this.set?.modelVersion;
  }

  /** Whether `name` has statistics. */
  has(name: string): boolean {
    return this.set !== undefined && Object.hasOwn(this.set.criteria, name);
  }

  /** Calibrated copies of `raw`; throws MissingCalibrationError for an uncalibrated criterion unless `missing: "identity"`. */
  calibrate(name: string, raw: Float64Array): Float64Array {
    if (!this.has(name)) {
      if (this.#missing === "identity") return Float64Array.from(raw);
      throw new MissingCalibrationError(name, Object.keys(this.set?.criteria ?? {}));
    }
    const stats = this.set!.criteria[name];
    return raw.map((value) => calibrateScore(stats, value, this.method));
  }
}

/** One (prompt, response) pair sampled from the serving model. */
export interface CalibrationSample {
  prompt: string;
  response: string;
}

/** Options of {@link computeCalibration}. */
export interface ComputeCalibrationOptions {
  modelVersion: string;
  /** Per-criterion parameters to score with (default: none, i.e. each criterion's defaults). */
  params?: Record<string, Record<string, unknown>>;
  levels?: readonly number[];
  signal?: AbortSignal;
}

/**
 * Scores the samples with every criterion (consecutive samples of the same prompt in one call) and
 * summarises each criterion's raw scores.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeCalibration } from "./calibration.ts";
 * import { createLengthCriterion } from "./length.ts";
 * const samples = [{ prompt: "p", response: "a b" }, { prompt: "p", response: "a b c d" }];
 * const set = await computeCalibration(samples, [createLengthCriterion()], {
 *   modelVersion: "v1",
 *   params: { length: { target: 3, scale: 1 } },
 * });
 * assert.equal(set.criteria.length.mean, -1); // both one word off target
 * assert.deepEqual(set.criteria.length.params, { target: 3, scale: 1 });
 * ```
 */
export async function computeCalibration(
  samples: readonly CalibrationSample[],
  criteria: readonly Criterion[],
  options: ComputeCalibrationOptions,
): Promise<CalibrationSet> {
  const groups: { prompt: string; responses: string[] }[] = [];
  for (const { prompt, response } of samples) {
    const group = groups.at(-1);
    if (group?.prompt === prompt) group.responses.push(response);
    else groups.push({ prompt, responses: [response] });
  }
  const set: CalibrationSet = { modelVersion: options.modelVersion, criteria: {} };
  for (const criterion of criteria) {
    const params = options.params?.[criterion.name];
    const raw: number[] = [];
    for (const group of groups) {
      options.signal?.throwIfAborted();
      raw.push(...await criterion.score(group.prompt, group.responses, { params, signal: options.signal }));
    }
    try {
      const stats = summarizeScores(raw, options.levels);
      set.criteria[criterion.name] = params === undefined ? stats : { ...stats, params };
    } catch (error) {
      if (!(error instanceof CalibrationError)) throw error;
      throw new CalibrationError(`criterion "${criterion.name}": ${error.message}`, { cause: error });
    }
  }
  return set;
}
