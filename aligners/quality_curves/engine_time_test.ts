/**
 * The engine-time fit against independent references: exact recovery from noise-free data, and a
 * brute-force grid search of the non-negative relative least-squares problem when the unconstrained
 * solution has a negative coefficient.
 */
import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { engineMilliseconds, type EngineTiming, fitEngineTime, type TimedRequest } from "./engine_time.ts";

function requests(rng: Rng, count: number, ms: (r: Omit<TimedRequest, "milliseconds">) => number) {
  return Array.from({ length: count }, () => {
    const shape = {
      forwardPasses: 1 + rng.nextInt(64),
      generatedTokens: 1 + rng.nextInt(512),
      prefillTokens: 1 + rng.nextInt(200),
    };
    return { ...shape, milliseconds: ms(shape) };
  });
}

const relativeResidual = (data: readonly TimedRequest[], timing: EngineTiming) =>
  data.reduce(
    (sum, r) =>
      sum +
      ((engineMilliseconds(timing, { ...r, rewardEvaluations: 0 }) - r.milliseconds) / r.milliseconds) ** 2,
    0,
  );

Deno.test("fitEngineTime recovers the coefficients of noise-free data", () => {
  const truth = {
    millisecondsPerPass: 1.6,
    millisecondsPerGeneratedToken: 0.37,
    millisecondsPerPrefillToken: 0.12,
  };
  const data = requests(new Rng(5), 40, (r) => engineMilliseconds(truth, { ...r, rewardEvaluations: 0 }));
  const fit = fitEngineTime(data);
  for (const key of Object.keys(truth) as (keyof EngineTiming)[]) {
    assert.ok(Math.abs(fit[key] - truth[key]) < 1e-9, `${key}: ${fit[key]} vs ${truth[key]}`);
  }
});

Deno.test("fitEngineTime: a zero column (no prefill measured) fits the other two and leaves it at 0", () => {
  const data = requests(new Rng(6), 20, (r) => 2 * r.forwardPasses + 0.5 * r.generatedTokens)
    .map((r) => ({ ...r, prefillTokens: 0 }));
  const fit = fitEngineTime(data);
  assert.ok(
    Math.abs(fit.millisecondsPerPass - 2) < 1e-9 && Math.abs(fit.millisecondsPerGeneratedToken - 0.5) < 1e-9,
  );
  assert.equal(fit.millisecondsPerPrefillToken, 0);
  assert.throws(() => fitEngineTime([]), RangeError);
});

Deno.test("fitEngineTime matches a brute-force grid search when a coefficient is clamped at 0", () => {
  // Time falls with prefill tokens in this data: the unconstrained fit would charge them negative time.
  const rng = new Rng(7);
  const data = requests(
    rng,
    30,
    (r) =>
      Math.max(1, 3 * r.forwardPasses + 0.2 * r.generatedTokens - 0.05 * r.prefillTokens) *
      (0.9 + 0.2 * rng.nextFloat()),
  );
  const fit = fitEngineTime(data);
  assert.equal(fit.millisecondsPerPrefillToken, 0);
  // Grid over the two free coefficients around the fit (prefill fixed at 0, where the constraint binds):
  // no grid point does better, and the best ones surround the fit.
  const fitted = relativeResidual(data, fit);
  // Grid over all three coefficients (prefill ≥ 0): no grid point does better than the fit, and the best
  // one, at prefill 0, surrounds it.
  const residualAt = (a: number, g: number, c: number) => {
    let sum = 0;
    for (const r of data) {
      const e = (a * r.forwardPasses + g * r.generatedTokens + c * r.prefillTokens - r.milliseconds) /
        r.milliseconds;
      sum += e * e;
    }
    return sum;
  };
  let best = { residual: Infinity, a: 0, g: 0, c: 0 };
  for (const c of [0, 0.002, 0.005, 0.01, 0.02]) {
    for (let i = 0; i <= 300; i++) {
      for (let j = 0; j <= 300; j++) {
        const [a, g] = [i * 0.02, j * 0.002];
        const residual = residualAt(a, g, c);
        if (residual < best.residual) best = { residual, a, g, c };
      }
    }
  }
  assert.ok(fitted <= best.residual + 1e-12, `fit ${fitted} vs grid ${best.residual}`);
  assert.equal(best.c, 0);
  assert.ok(
    Math.abs(best.a - fit.millisecondsPerPass) <= 0.02 + 1e-9,
    `${best.a} vs ${fit.millisecondsPerPass}`,
  );
  assert.ok(Math.abs(best.g - fit.millisecondsPerGeneratedToken) <= 0.002 + 1e-9);
});
