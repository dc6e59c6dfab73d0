import assert from "node:assert/strict";
import { Rng } from "../models/random.ts";
import { assertFrequencies } from "./_test_stats.ts";
import { acceptanceProbability, argmaxIndex, softmaxChoice, softmaxProbabilities } from "./choice.ts";

Deno.test("argmax: ties to the lowest index, NaN skipped unless all NaN", () => {
  assert.equal(argmaxIndex([0.5, 2, 2, 1]), 1);
  assert.equal(argmaxIndex([NaN, -5, NaN]), 1);
  assert.equal(argmaxIndex([NaN, NaN, NaN]), 0);
  assert.equal(argmaxIndex([-Infinity, -Infinity]), 0);
  assert.equal(argmaxIndex([1, Infinity, Infinity]), 1);
  assert.throws(() => argmaxIndex([]), RangeError);
});

Deno.test("softmax probabilities: reference formula, stable for large scores, NaN gets 0", () => {
  const scores = [0.3, -1.2, 2.5, 0.3];
  const tau = 0.7;
  const exps = scores.map((s) => Math.exp(s / tau));
  const total = exps.reduce((a, b) => a + b);
  const p = softmaxProbabilities(scores, tau);
  exps.forEach((e, i) => assert.ok(Math.abs(p[i] - e / total) < 1e-12));
  // Shifted by 1e4: exp overflows naively, the law is unchanged.
  const shifted = softmaxProbabilities(scores.map((s) => s + 1e4), tau);
  shifted.forEach((q, i) => assert.ok(Math.abs(q - p[i]) < 1e-9));
  assert.deepEqual([...softmaxProbabilities([NaN, 1, NaN], 2)], [0, 1, 0]);
  assert.deepEqual([...softmaxProbabilities([NaN, NaN], 2)], [0.5, 0.5]);
  assert.deepEqual([...softmaxProbabilities([0, Infinity, Infinity], 1)], [0, 0.5, 0.5]);
  assert.deepEqual([...softmaxProbabilities([0, 5, NaN], Infinity)], [0.5, 0.5, 0]);
  assert.throws(() => softmaxProbabilities([1], 0), /τ/);
});

Deno.test("soft best-of-N choice frequencies match softmax(r/τ) over many draws", () => {
  const scores = [0.1, 0.9, -0.4, 0.5, NaN, 0.9];
  for (const tau of [0.25, 1, 4]) {
    const expected = softmaxProbabilities(scores, tau);
    const trials = 40_000;
    const counts = new Array(scores.length).fill(0);
    const rng = new Rng(1000 + tau * 8);
    for (let t = 0; t < trials; t++) counts[softmaxChoice(scores, tau, rng)]++;
    assert.equal(counts[4], 0, "NaN never chosen");
    assertFrequencies(counts, expected, trials);
    // Chi-square with 4 degrees of freedom (the NaN cell excluded): 99.9 % quantile is 18.47.
    const chi2 = counts.reduce(
      (sum, c, i) => expected[i] > 0 ? sum + (c - trials * expected[i]) ** 2 / (trials * expected[i]) : sum,
      0,
    );
    assert.ok(chi2 < 18.47, `τ=${tau}: χ² = ${chi2}`);
  }
});

Deno.test("soft choice with one seed is reproducible", () => {
  const scores = [0.2, 0.1, 0.4, 0.3];
  const draw = (seed: number) =>
    Array.from({ length: 20 }, (_, i) => softmaxChoice(scores, 0.1, new Rng(seed).fork(i)));
  assert.deepEqual(draw(5), draw(5));
});

Deno.test("acceptance probability: exp((r − r_max)/τ), capped at 1, NaN rejected", () => {
  assert.equal(acceptanceProbability(-1, 1, 2), Math.exp(-1));
  assert.equal(acceptanceProbability(3, 1, 2), 1);
  assert.equal(acceptanceProbability(-Infinity, 1, 2), 0);
  assert.equal(acceptanceProbability(NaN, 1, 2), 0);
  assert.throws(() => acceptanceProbability(0, 1, -1), /τ/);
});
