import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { Calibrator, summarizeScores } from "./calibration.ts";
import {
  InvalidAggregatorError,
  InvalidWeightsError,
  MissingCalibrationError,
  UnknownCriterionError,
} from "./errors.ts";
import {
  aggregate,
  type Aggregator,
  candidateBreakdown,
  validateWeights,
  weightedScores,
} from "./weighted_score.ts";

const identity = new Calibrator(undefined, { missing: "identity" });
const NAMES = ["length", "sentiment", "civility", "format"];

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

/** The aggregators written out directly from their definitions, over the applicable (non-NaN) entries. */
function reference(scores: number[], weights: number[], aggregator: Aggregator): number {
  const kept = scores.map((s, i) => [s, weights[i]]).filter(([s, w]) => !Number.isNaN(s) && w > 0);
  if (kept.length === 0) return NaN;
  const total = kept.reduce((sum, [, w]) => sum + w, 0);
  if (aggregator.type === "sum") return kept.reduce((sum, [s, w]) => sum + w * s, 0) / total;
  if (aggregator.type === "min") return Math.min(...kept.map(([s]) => s));
  const mixture = kept.reduce((sum, [s, w]) => sum + w * Math.exp(-aggregator.gamma * s), 0) / total;
  return -Math.log(mixture) / aggregator.gamma;
}

Deno.test("aggregate: sum, min and smooth_min equal their definitions, NaN dropped with weights renormalised", () => {
  const rng = new Rng(3);
  const aggregators: Aggregator[] = [{ type: "sum" }, { type: "min" }, { type: "smooth_min", gamma: 0.7 }, {
    type: "smooth_min",
    gamma: 3,
  }];
  for (let trial = 0; trial < 200; trial++) {
    const count = 1 + rng.nextInt(4);
    const scores = Array.from({ length: count }, () => (rng.nextFloat() < 0.2 ? NaN : rng.normal(0, 2)));
    const weights = Array.from({ length: count }, () => (rng.nextFloat() < 0.2 ? 0 : rng.nextFloat() * 3));
    for (const aggregator of aggregators) {
      const expected = reference(scores, weights, aggregator);
      const actual = aggregate(scores, weights, aggregator);
      if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual));
      else close(actual, expected, 1e-10);
    }
  }
});

Deno.test("smooth_min: tends to min as gamma grows and to the weighted mean as gamma shrinks; no overflow", () => {
  const scores = [1, -2, 0.5];
  const weights = [1, 2, 3];
  close(aggregate(scores, weights, { type: "smooth_min", gamma: 1e4 }), -2, 1e-3);
  close(aggregate(scores, weights, { type: "smooth_min", gamma: 1e-6 }), (1 - 4 + 1.5) / 6, 1e-5);
  // e^{−γ·ĉ} = e^{1000} would overflow without the shift by the minimum.
  close(
    aggregate([-1000, -999], [1, 1], { type: "smooth_min", gamma: 1 }),
    -1000 - Math.log((1 + Math.exp(-1)) / 2),
    1e-9,
  );
  assert.ok(aggregate([1, 5], [1, 1], { type: "smooth_min", gamma: 1 }) < 3);
});

Deno.test("weightedScores: calibration first, then weights; breakdown per criterion and candidate", () => {
  const calibrator = new Calibrator({
    modelVersion: "v7",
    criteria: { length: summarizeScores([-1, 0, 1]), sentiment: summarizeScores([0, 2]) },
  });
  const raw = { length: Float64Array.of(0, -1, NaN), sentiment: Float64Array.of(1, 3, 2) };
  const result = weightedScores({
    weights: { length: 1, sentiment: 3, civility: 0 },
    raw,
    calibrator,
    validNames: NAMES,
  });
  const lengthStd = Math.sqrt(2 / 3);
  const expectedLength = [0, -1 / lengthStd, NaN];
  const expectedSentiment = [0, 2, 1]; // (s − 1) / 1
  assert.deepEqual(Object.keys(result.criteria), ["length", "sentiment"]); // zero weight left out
  result.criteria.length.calibrated.forEach((c, i) => Number.isNaN(c) || close(c, expectedLength[i]));
  assert.deepEqual([...result.criteria.sentiment.calibrated], expectedSentiment);
  close(result.scores[0], 0);
  close(result.scores[1], (expectedLength[1] + 3 * 2) / 4);
  close(result.scores[2], 1); // length not applicable: sentiment alone, weight renormalised
  assert.equal(result.calibrationVersion, "v7");
  assert.deepEqual(candidateBreakdown(result, 2), {
    length: { weight: 1, raw: null, calibrated: null },
    sentiment: { weight: 3, raw: 2, calibrated: 1 },
  });
  const worst = weightedScores({
    weights: { length: 1, sentiment: 3 },
    raw,
    calibrator,
    aggregator: { type: "min" },
  });
  close(worst.scores[1], -1 / lengthStd);
});

Deno.test("weights: typed errors for unknown criteria, negative, non-finite and all-zero weights", () => {
  assert.throws(() => validateWeights({ toxicity: 1 }, NAMES), (error: unknown) => {
    assert.ok(error instanceof UnknownCriterionError);
    assert.match(error.message, /valid: length, sentiment, civility, format/);
    return true;
  });
  for (
    const [weights, param] of [
      [{ length: -0.5 }, "weights.length"],
      [{ length: NaN }, "weights.length"],
      [{ length: Infinity }, "weights.length"],
      [{ length: 0, sentiment: 0 }, "weights"],
      [{}, "weights"],
    ] as const
  ) {
    assert.throws(() => validateWeights(weights, NAMES), (error: unknown) => {
      assert.ok(error instanceof InvalidWeightsError, String(error));
      assert.equal(error.param, param);
      return true;
    });
  }
  assert.deepEqual(validateWeights({ length: 0, sentiment: 0.5 }, NAMES), { sentiment: 0.5 });
});

Deno.test("weightedScores: bad aggregators, missing scores, missing calibration", () => {
  const raw = { length: Float64Array.of(0) };
  assert.throws(
    () =>
      weightedScores({
        weights: { length: 1 },
        raw,
        calibrator: identity,
        aggregator: { type: "smooth_min", gamma: 0 },
      }),
    InvalidAggregatorError,
  );
  assert.throws(
    () =>
      weightedScores({
        weights: { length: 1 },
        raw,
        calibrator: identity,
        aggregator: { type: "max" } as never,
      }),
    /unknown aggregator "max"/,
  );
  assert.throws(
    () => weightedScores({ weights: { sentiment: 1 }, raw, calibrator: identity, validNames: NAMES }),
    /no scores were computed for "sentiment"/,
  );
  assert.throws(
    () => weightedScores({ weights: { length: 1 }, raw, calibrator: new Calibrator(undefined) }),
    MissingCalibrationError,
  );
  const none = weightedScores({
    weights: { length: 1 },
    raw: { length: Float64Array.of(NaN) },
    calibrator: identity,
  });
  assert.ok(Number.isNaN(none.scores[0]), "nothing applies: NaN");
});
