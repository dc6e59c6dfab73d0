import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { sampleDirichlet, sampleGamma } from "./dirichlet.ts";

/** Sample mean and variance of `values`, and the standard errors of both (SE of the variance from the
 * sample fourth central moment: Var(s²) ≈ (μ4 − σ⁴)/n). */
function moments(values: Float64Array) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m4 = 0;
  for (const v of values) {
    m2 += (v - mean) ** 2;
    m4 += (v - mean) ** 4;
  }
  m2 /= n;
  m4 /= n;
  return { mean, variance: m2, meanError: Math.sqrt(m2 / n), varianceError: Math.sqrt((m4 - m2 * m2) / n) };
}

const DRAWS = 40_000;

Deno.test("Gamma(k) sample mean and variance match k within sampling error (k < 1 and k ≥ 1 branches)", () => {
  const rng = new Rng(2026);
  for (const shape of [0.3, 1, 4.5]) {
    const draws = Float64Array.from({ length: DRAWS }, () => sampleGamma(shape, rng));
    const { mean, variance, meanError, varianceError } = moments(draws);
    assert.ok(Math.abs(mean - shape) < 4 * meanError, `k=${shape}: mean ${mean}`);
    assert.ok(Math.abs(variance - shape) < 4 * varianceError, `k=${shape}: variance ${variance}`);
    assert.ok(draws.every((x) => x > 0));
  }
  const scaled = moments(Float64Array.from({ length: DRAWS }, () => sampleGamma(2, rng, 0.5)));
  assert.ok(Math.abs(scaled.mean - 1) < 4 * scaled.meanError);
});

Deno.test("Dirichlet(α) means α_i/α0 and variances α_i(α0−α_i)/(α0²(α0+1)) within sampling error", () => {
  const alpha = [0.4, 1, 2.5, 6];
  const total = alpha.reduce((a, b) => a + b, 0);
  const rng = new Rng(7);
  const draws = Array.from({ length: DRAWS }, () => sampleDirichlet(alpha, rng));
  for (const draw of draws) {
    assert.ok(Math.abs(draw.reduce((a, b) => a + b, 0) - 1) < 1e-12 && draw.every((w) => w >= 0));
  }
  alpha.forEach((a, i) => {
    const { mean, variance, meanError, varianceError } = moments(Float64Array.from(draws, (d) => d[i]));
    const expectedVariance = (a * (total - a)) / (total * total * (total + 1));
    assert.ok(Math.abs(mean - a / total) < 4 * meanError, `α_${i}: mean ${mean} vs ${a / total}`);
    assert.ok(
      Math.abs(variance - expectedVariance) < 4 * varianceError,
      `α_${i}: ${variance} vs ${expectedVariance}`,
    );
  });
  // Covariance of the first two components: −α_0·α_1/(α0²(α0+1)).
  const mean0 = alpha[0] / total;
  const mean1 = alpha[1] / total;
  const covariance = draws.reduce((s, d) => s + (d[0] - mean0) * (d[1] - mean1), 0) / DRAWS;
  const expected = -(alpha[0] * alpha[1]) / (total * total * (total + 1));
  assert.ok(Math.abs(covariance - expected) < 0.15 * Math.abs(expected), `${covariance} vs ${expected}`);
});

Deno.test("Dirichlet with tiny α still returns points of the simplex (log-space normalisation)", () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 200; trial++) {
    const draw = sampleDirichlet([1e-3, 1e-3, 1e-3], rng);
    assert.ok(draw.every(Number.isFinite) && Math.abs(draw.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
});

Deno.test("Gamma and Dirichlet are reproducible by seed and reject invalid parameters", () => {
  assert.deepEqual(sampleDirichlet([1, 2, 3], new Rng(5)), sampleDirichlet([1, 2, 3], new Rng(5)));
  assert.throws(() => sampleGamma(0, new Rng(1)), RangeError);
  assert.throws(() => sampleGamma(1, new Rng(1), -1), RangeError);
  assert.throws(() => sampleDirichlet([], new Rng(1)), RangeError);
  assert.throws(() => sampleDirichlet([1, NaN], new Rng(1)), RangeError);
});
