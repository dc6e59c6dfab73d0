/**
 * Expected aligned rewards under the empirical law of K sampled responses of one prompt (the plug-in
 * estimate: the K draws stand for π, each with probability 1/K, or with given weights):
 *
 *     best-of-N     E[max of N] = Σ_i r_(i) · (F_i^N − F_{i−1}^N)     F_i = cumulative weight of r_(1..i)
 *     tilted mean   E_{π·e^{r/τ}}[r] = Σ w_i a_i r_i / Σ w_i a_i       a_i = e^{(r_i − r_max)/τ} ∧ 1
 *     rejection     p = Σ w_i a_i;  P(no acceptance in M draws) = (1 − p)^M;
 *                   E = (1 − (1−p)^M) · tilted mean + (1−p)^M · E_q[max of M],  q_i ∝ w_i (1 − a_i)
 *                   (given that every draw was rejected, the draws are i.i.d. from q, and the loop
 *                   returns their argmax; aligners/rejection_loop.ts)
 *     soft best-of-N E[Σ_j softmax(r/τ)_j r_j] over N i.i.d. draws: Monte Carlo with a seeded generator
 *
 * (IAMA.md §1, `BoN_N`, `SoftBoN_τ`.) Inputs are plain arrays of finite rewards.
 *
 * @module
 */
import type { Rng } from "../../models/random.ts";
import { acceptanceProbability } from "../choice.ts";

function normalisedWeights(count: number, weights?: ArrayLike<number>): Float64Array {
  if (weights !== undefined && weights.length !== count) {
    throw new RangeError(`${weights.length} weights for ${count} values`);
  }
  const w = Float64Array.from({ length: count }, (_, i) => weights?.[i] ?? 1);
  const total = w.reduce((sum, x) => sum + x, 0);
  if (!(total > 0)) throw new RangeError("weights must have a positive sum");
  return w.map((x) => x / total);
}

/**
 * E[max of n i.i.d. draws] from the (weighted) empirical law of `values`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedMaxOfN } from "./order_statistics.ts";
 * // Two equally likely values 0 and 1: the max of 2 draws is 1 unless both are 0 (prob 1/4).
 * assert.equal(expectedMaxOfN([0, 1], 2), 0.75);
 * assert.equal(expectedMaxOfN([0, 1], 1), 0.5);
 * ```
 */
export function expectedMaxOfN(values: ArrayLike<number>, n: number, weights?: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError("expectedMaxOfN needs at least one value");
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer ≥ 1, got ${n}`);
  const w = normalisedWeights(values.length, weights);
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  let expected = 0;
  let cumulative = 0;
  let previousPower = 0;
  for (const i of order) {
    if (w[i] === 0) continue;
    cumulative = Math.min(1, cumulative + w[i]);
    const power = cumulative ** n;
    expected += values[i] * (power - previousPower);
    previousPower = power;
  }
  return expected;
}

/** What rejection sampling is expected to return and draw (see the module documentation). */
export interface RejectionExpectation {
  /** Expected reward of the returned draw. */
  reward: number;
  /** Probability that some draw is accepted within the budget. */
  acceptance: number;
  /** Expected number of draws. */
  draws: number;
  /** Probability that batch j (0-based) is drawn, for j = 0 .. ⌈maxDraws / batchSize⌉ − 1. */
  batchProbabilities: number[];
}

/** Options of {@link expectedRejection}. */
export interface RejectionShape {
  temperature: number;
  rMax: number;
  batchSize: number;
  maxDraws: number;
}

/**
 * Expected outcome of the rejection loop with draws from the (weighted) empirical law of `values`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedRejection } from "./order_statistics.ts";
 * // Every draw at r_max is accepted at once: one batch, its first draw returned.
 * const e = expectedRejection([1, 1], { temperature: 1, rMax: 1, batchSize: 2, maxDraws: 4 });
 * assert.deepEqual([e.reward, e.acceptance, e.draws, e.batchProbabilities], [1, 1, 2, [1, 0]]);
 * ```
 */
export function expectedRejection(
  values: ArrayLike<number>,
  shape: RejectionShape,
  weights?: ArrayLike<number>,
): RejectionExpectation {
  const { temperature, rMax, batchSize, maxDraws } = shape;
  const w = normalisedWeights(values.length, weights);
  const accept = Float64Array.from(values, (r) => acceptanceProbability(r, rMax, temperature));
  let p = 0;
  let tiltedSum = 0;
  for (let i = 0; i < values.length; i++) {
    p += w[i] * accept[i];
    tiltedSum += w[i] * accept[i] * values[i];
  }
  p = Math.min(1, p);
  const noneAccepted = (1 - p) ** maxDraws;
  let reward = p > 0 ? (1 - noneAccepted) * (tiltedSum / p) : 0;
  if (noneAccepted > 0) {
    reward += noneAccepted * expectedMaxOfN(values, maxDraws, w.map((x, i) => x * (1 - accept[i])));
  }
  const batchProbabilities: number[] = [];
  let draws = 0;
  for (let before = 0; before < maxDraws; before += batchSize) {
    const reached = (1 - p) ** before;
    batchProbabilities.push(reached);
    draws += reached * Math.min(batchSize, maxDraws - before);
  }
  return { reward, acceptance: 1 - noneAccepted, draws, batchProbabilities };
}

/**
 * Monte Carlo estimate of soft best-of-N's expected reward E[Σ_j softmax(r/τ)_j r_j] over n i.i.d.
 * draws from the uniform empirical law of finite `values` (`trials` draws of n, from `rng`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../../models/random.ts";
 * import { expectedSoftBestOfN } from "./order_statistics.ts";
 * assert.equal(expectedSoftBestOfN([2, 2, 2], 4, 0.5, new Rng(1), 100), 2);
 * ```
 */
export function expectedSoftBestOfN(
  values: ArrayLike<number>,
  n: number,
  temperature: number,
  rng: Rng,
  trials: number,
): number {
  if (values.length === 0) throw new RangeError("expectedSoftBestOfN needs at least one value");
  if (!(temperature > 0)) throw new RangeError(`temperature τ must be > 0, got ${temperature}`);
  // softmax(r/τ) inline (finite values; shifted by the maximum): this runs millions of times.
  const draw = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < trials; t++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      draw[j] = values[rng.nextInt(values.length)];
      if (draw[j] > max) max = draw[j];
    }
    let [mass, weighted] = [0, 0];
    for (let j = 0; j < n; j++) {
      const w = Math.exp((draw[j] - max) / temperature);
      mass += w;
      weighted += w * draw[j];
    }
    total += weighted / mass;
  }
  return total / trials;
}
