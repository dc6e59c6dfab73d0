/**
 * Weighting: per-request criteria weights w turn calibrated criterion scores ĉ_i of each candidate
 * into one task reward (IAMA.md §1 `r_w`, §2 aggregators):
 *
 *     sum:        Σ w_i ĉ_i / Σ w_i
 *     min:        min { ĉ_i : w_i > 0 }
 *     smooth_min: −(1/γ) · log( Σ w_i e^{−γ ĉ_i} / Σ w_i )      (→ min as γ → ∞, → sum as γ → 0)
 *
 * Only criteria with a positive weight take part (a zero weight is accepted and ignored). Not
 * applicable scores (NaN) are dropped per candidate and the remaining weights renormalised, so a
 * candidate is judged on the criteria that apply to it; a candidate to which none applies gets NaN.
 *
 * @module
 */
import type { Calibrator } from "./calibration.ts";
import { InvalidAggregatorError, InvalidWeightsError, UnknownCriterionError } from "./errors.ts";

/** How weighted criteria combine into one score. */
export type Aggregator =
  | { type: "sum" }
  | { type: "min" }
  | { type: "smooth_min"; gamma: number };

/** Criteria weights: criterion name → non-negative weight. */
export type CriteriaWeights = Readonly<Record<string, number>>;

/**
 * Checks weights against the valid criterion names and returns the positive ones.
 * Throws UnknownCriterionError, or InvalidWeightsError for a negative or non-finite weight or when
 * no weight is positive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateWeights } from "./weighted_score.ts";
 * assert.deepEqual(validateWeights({ length: 2, sentiment: 0 }, ["length", "sentiment"]), { length: 2 });
 * assert.throws(() => validateWeights({ length: -1 }, ["length"]), { param: "weights.length" });
 * ```
 */
export function validateWeights(
  weights: CriteriaWeights,
  validNames: readonly string[],
): Record<string, number> {
  const positive: Record<string, number> = {};
  for (const [name, weight] of Object.entries(weights)) {
    if (!validNames.includes(name)) throw new UnknownCriterionError(name, validNames);
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) {
      throw new InvalidWeightsError(
        `weight of "${name}" must be a finite non-negative number, got ${weight}`,
        `weights.${name}`,
      );
    }
    if (weight > 0) positive[name] = weight;
  }
  if (Object.keys(positive).length === 0) {
    throw new InvalidWeightsError("at least one criterion weight must be positive", "weights");
  }
  return positive;
}

function checkAggregator(aggregator: Aggregator): void {
  if (aggregator.type === "smooth_min") {
    if (!(Number.isFinite(aggregator.gamma) && aggregator.gamma > 0)) {
      throw new InvalidAggregatorError(`smooth_min needs gamma > 0, got ${aggregator.gamma}`, "gamma");
    }
  } else if (aggregator.type !== "sum" && aggregator.type !== "min") {
    throw new InvalidAggregatorError(
      `unknown aggregator "${(aggregator as { type: string }).type}" (valid: sum, min, smooth_min)`,
      "aggregator",
    );
  }
}

/**
 * Aggregates one candidate's calibrated scores (NaN entries dropped, weights renormalised).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregate } from "./weighted_score.ts";
 * assert.equal(aggregate([1, 3], [1, 1], { type: "sum" }), 2);
 * assert.equal(aggregate([1, NaN], [1, 1], { type: "sum" }), 1);
 * assert.equal(aggregate([1, 3], [1, 1], { type: "min" }), 1);
 * ```
 */
export function aggregate(
  scores: readonly number[],
  weights: readonly number[],
  aggregator: Aggregator,
): number {
  let totalWeight = 0;
  let weightedSum = 0;
  let minimum = Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]) || !(weights[i] > 0)) continue;
    totalWeight += weights[i];
    weightedSum += weights[i] * scores[i];
    minimum = Math.min(minimum, scores[i]);
  }
  if (totalWeight === 0) return NaN;
  if (aggregator.type === "sum") return weightedSum / totalWeight;
  if (aggregator.type === "min" || minimum === Infinity || minimum === -Infinity) return minimum;
  // smooth_min, shifted by the minimum so every exponent is ≤ 0 (no overflow).
  const gamma = aggregator.gamma;
  let mixture = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]) || !(weights[i] > 0)) continue;
    mixture += (weights[i] / totalWeight) * Math.exp(-gamma * (scores[i] - minimum));
  }
  return minimum - Math.log(mixture) / gamma;
}

/** One criterion's part in a weighted score. */
export interface CriterionBreakdown {
  /** The weight as given (before per-candidate renormalisation). */
  weight: number;
  raw: Float64Array;
  calibrated: Float64Array;
}

/** Per-candidate aggregate scores with the per-criterion breakdown behind them. */
export interface WeightedScores {
  /** One score per candidate; NaN when no weighted criterion applies to it. */
  scores: Float64Array;
  /** Positive-weight criteria only. */
  criteria: Record<string, CriterionBreakdown>;
  aggregator: Aggregator;
  /** Model version of the calibration used, if any (for receipts). */
  calibrationVersion?: string;
}

/** Input of {@link weightedScores}. */
export interface WeightedScoresInput {
  weights: CriteriaWeights;
  /** Raw scores of every positively weighted criterion, one per candidate. */
  raw: Readonly<Record<string, Float64Array>>;
  calibrator: Calibrator;
  aggregator?: Aggregator;
  /** Names accepted in `weights` (default: the keys of `raw`). */
  validNames?: readonly string[];
}

/**
 * Aggregates raw criterion scores of candidates under weights, after calibration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator } from "./calibration.ts";
 * import { weightedScores } from "./weighted_score.ts";
 * const result = weightedScores({
 *   weights: { length: 1, sentiment: 3 },
 *   raw: { length: Float64Array.of(0, -1), sentiment: Float64Array.of(0, 1) },
 *   calibrator: new Calibrator(undefined, { missing: "identity" }),
 * });
 * assert.deepEqual([...result.scores], [0, 0.5]); // (1·0 + 3·0)/4, (1·(−1) + 3·1)/4
 * ```
 */
export function weightedScores(input: WeightedScoresInput): WeightedScores {
  const aggregator = input.aggregator ?? { type: "sum" };
  checkAggregator(aggregator);
  const weights = validateWeights(input.weights, input.validNames ?? Object.keys(input.raw));
  const names = Object.keys(weights);
  let count = -1;
  const criteria: Record<string, CriterionBreakdown> = {};
  for (const name of names) {
    const raw = input.raw[name];
    if (raw === undefined) {
      throw new InvalidWeightsError(`no scores were computed for "${name}"`, `weights.${name}`);
    }
    if (count >= 0 && raw.length !== count) {
      throw new RangeError(`"${name}" has ${raw.length} scores, other criteria have ${count}`);
    }
    count = raw.length;
    criteria[name] = { weight: weights[name], raw, calibrated: input.calibrator.calibrate(name, raw) };
  }
  const weightList = names.map((name) => weights[name]);
  const scores = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    scores[j] = aggregate(names.map((name) => criteria[name].calibrated[j]), weightList, aggregator);
  }
  return { scores, criteria, aggregator, calibrationVersion: input.calibrator.modelVersion };
}

/**
 * One candidate's breakdown as plain JSON-ready data for a receipt: `{ name: { weight, raw,
 * calibrated } }` (NaN becomes null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator } from "./calibration.ts";
 * import { candidateBreakdown, weightedScores } from "./weighted_score.ts";
 * const result = weightedScores({
 *   weights: { length: 1 },
 *   raw: { length: Float64Array.of(-0.5, NaN) },
 *   calibrator: new Calibrator(undefined, { missing: "identity" }),
 * });
 * assert.deepEqual(candidateBreakdown(result, 1), { length: { weight: 1, raw: null, calibrated: null } });
 * ```
 */
export function candidateBreakdown(
  result: WeightedScores,
  index: number,
): Record<string, { weight: number; raw: number | null; calibrated: number | null }> {
  const finiteOrNull = (value: number) => (Number.isNaN(value) ? null : value);
  return Object.fromEntries(
    Object.entries(result.criteria).map(([name, part]) => [
      name,
      {
        weight: part.weight,
        raw: finiteOrNull(part.raw[index]),
        calibrated: finiteOrNull(part.calibrated[index]),
      },
    ]),
  );
}
