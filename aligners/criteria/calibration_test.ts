import assert from "node:assert/strict";
import { join } from "node:path";
import { Rng } from "../../models/random.ts";
import {
  calibrateScore,
  Calibrator,
  computeCalibration,
  DEFAULT_QUANTILE_LEVELS,
  summarizeScores,
} from "./calibration.ts";
import { loadCalibration, parseCalibrationSet, saveCalibration } from "./calibration_store.ts";
import type { Criterion } from "./criterion.ts";
import { CalibrationError, MissingCalibrationError } from "./errors.ts";

function meanAndStd(values: ArrayLike<number>): [number, number] {
  const list = Array.from(values);
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  return [mean, Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length)];
}

/** Standard normal CDF via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

Deno.test("z-score: the calibration sample itself maps to mean 0 and std 1", () => {
  const rng = new Rng(11);
  const raw = Float64Array.from({ length: 5000 }, () => 3 + 2 * rng.normal() ** 3); // skewed, heavy-tailed
  const stats = summarizeScores(raw);
  const [mean, std] = meanAndStd(raw);
  assert.ok(Math.abs(stats.mean - mean) < 1e-12 && Math.abs(stats.std - std) < 1e-12);
  const calibrated = new Calibrator({ modelVersion: "v", criteria: { x: stats } }).calibrate("x", raw);
  const [calibratedMean, calibratedStd] = meanAndStd(calibrated);
  assert.ok(Math.abs(calibratedMean) < 1e-12, `mean ${calibratedMean}`);
  assert.ok(Math.abs(calibratedStd - 1) < 1e-12, `std ${calibratedStd}`);
});

Deno.test("quantiles: type-7 interpolation matches brute-force order statistics", () => {
  const values = [5, 1, 4, 2, 3, NaN, Infinity];
  const stats = summarizeScores(values, [0, 0.1, 0.25, 0.5, 0.9, 1]);
  assert.equal(stats.samples, 5);
  // sorted 1..5, position (n−1)p: 0 → 1, 0.4 → 1.4, 1 → 2, 2 → 3, 3.6 → 4.6, 4 → 5
  assert.deepEqual(stats.quantiles.map((q) => q.value), [1, 1.4, 2, 3, 4.6, 5]);
});

Deno.test("quantile calibration of a known distribution matches its CDF", () => {
  // Exponential(1): samples at exact quantiles, so the empirical distribution is the true one.
  const n = 20_000;
  const exponential = Float64Array.from({ length: n }, (_, i) => -Math.log(1 - (i + 0.5) / n));
  const expStats = summarizeScores(exponential);
  for (const x of [0.01, 0.1, 0.3, 0.69, 1, 1.5, 2.3, 3, 4.5]) {
    const cdf = 1 - Math.exp(-x);
    const calibrated = calibrateScore(expStats, x, "quantile");
    assert.ok(Math.abs(calibrated - cdf) < 0.006, `Exp: F(${x}) = ${cdf}, calibrated ${calibrated}`);
  }
  // At the stored knots the calibrated value is the knot's level (up to sampling of the knots).
  for (const { level, value } of expStats.quantiles.slice(1, -1)) {
    assert.ok(Math.abs(calibrateScore(expStats, value, "quantile") - level) < 1e-12);
  }
  // Normal(0, 1) from the seeded generator: within sampling error of Φ.
  const rng = new Rng(5);
  const normalStats = summarizeScores(Float64Array.from({ length: n }, () => rng.normal()));
  for (const x of [-2.5, -1.3, -0.5, 0, 0.4, 1, 1.96, 2.7]) {
    const calibrated = calibrateScore(normalStats, x, "quantile");
    assert.ok(
      Math.abs(calibrated - normalCdf(x)) < 0.012,
      `Φ(${x}) = ${normalCdf(x)}, calibrated ${calibrated}`,
    );
  }
  assert.equal(calibrateScore(normalStats, -100, "quantile"), 0);
  assert.equal(calibrateScore(normalStats, 100, "quantile"), 1);
});

Deno.test("quantile calibration of a discrete criterion uses mid-ranks; constant criteria keep raw units", () => {
  const binary = summarizeScores([...new Array(70).fill(0), ...new Array(30).fill(1)], [
    0,
    0.25,
    0.5,
    0.75,
    1,
  ]);
  // 70 % of the mass is at 0: the knots at levels 0, 0.25 and 0.5 hold 0, those at 0.75 and 1 hold 1.
  assert.equal(calibrateScore(binary, 0, "quantile"), 0.25);
  assert.equal(calibrateScore(binary, 1, "quantile"), 0.875);
  const constant = summarizeScores([2, 2, 2]);
  assert.equal(constant.std, 0);
  assert.equal(calibrateScore(constant, 5, "z_score"), 3);
  assert.ok(Number.isNaN(calibrateScore(constant, NaN, "z_score")));
});

Deno.test("Calibrator: missing criteria are an error unless identity is asked for", () => {
  const calibrator = new Calibrator({ modelVersion: "v3", criteria: { length: summarizeScores([0, 2]) } });
  assert.equal(calibrator.modelVersion, "v3");
  assert.throws(() => calibrator.calibrate("sentiment", Float64Array.of(1)), MissingCalibrationError);
  assert.throws(() => calibrator.calibrate("sentiment", Float64Array.of(1)), /calibrated: length/);
  const lenient = new Calibrator(calibrator.set, { missing: "identity", method: "quantile" });
  assert.deepEqual([...lenient.calibrate("sentiment", Float64Array.of(7))], [7]);
  assert.deepEqual([...lenient.calibrate("length", Float64Array.of(1))], [0.5]);
  assert.throws(() => summarizeScores([NaN]), CalibrationError);
  assert.throws(() => summarizeScores([1], [0.5, 1]), /levels/);
});

Deno.test("computeCalibration scores each prompt's responses in one call and records params", async () => {
  const calls: [string, number][] = [];
  const echo: Criterion = {
    name: "echo",
    description: "the response as a number",
    kind: "verifiable",
    supportsPartial: false,
    score(prompt, candidates) {
      calls.push([prompt, candidates.length]);
      return Promise.resolve(Float64Array.from(candidates, Number));
    },
  };
  const samples = [["a", "1"], ["a", "2"], ["b", "3"], ["b", "x"], ["a", "6"]].map(([prompt, response]) => ({
    prompt,
    response,
  }));
  const set = await computeCalibration(samples, [echo], { modelVersion: "m1", params: { echo: { k: 1 } } });
  assert.deepEqual(calls, [["a", 2], ["b", 2], ["a", 1]]);
  const stats = set.criteria.echo;
  assert.equal(stats.samples, 4); // "x" → NaN is left out
  assert.equal(stats.mean, 3);
  assert.deepEqual(stats.params, { k: 1 });
  assert.equal(stats.quantiles.length, DEFAULT_QUANTILE_LEVELS.length);
  await assert.rejects(
    computeCalibration([{ prompt: "a", response: "x" }], [echo], { modelVersion: "m1" }),
    /criterion "echo": no finite scores/,
  );
});

Deno.test("calibration files: round trip, model version check, readable validation errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "calibration.json");
    const set = { modelVersion: "abc123", criteria: { sentiment: summarizeScores([0.1, 0.3, -0.2, 0.5]) } };
    await saveCalibration(path, set);
    assert.deepEqual(await loadCalibration(path), set);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)).criteria.sentiment.samples, 4);
    await assert.rejects(loadCalibration(path, { modelVersion: "def456" }), /"abc123", not "def456"/);
    await assert.rejects(loadCalibration(join(dir, "missing.json")), CalibrationError);
    const broken = structuredClone(set);
    broken.criteria.sentiment.quantiles.reverse();
    assert.throws(() => parseCalibrationSet(broken), /criteria\.sentiment\.quantiles/);
    assert.throws(() => parseCalibrationSet({ criteria: {} }), /modelVersion/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
