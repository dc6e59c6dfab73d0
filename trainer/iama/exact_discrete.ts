/**
 * Exact task values and first variations for a categorical distribution over finitely many support points
 * (IAMA.md §2–§3): the reference the plug-in estimators are tested against, and the evaluator of the toy
 * benchmark (IAMA.md §5), where the policy is such a distribution.
 *
 * Shapes: `probabilities` [S] (non-negative, summing to 1), `rewards` [S] (reward of each support point)
 * → a number, or [S] per support point.
 *
 * With C(s) = P_π(r ≤ s) and the distinct reward levels v_1 < … < v_L:
 *
 *     R_BoN[π]      = Σ_l v_l·(C(v_l)^N − C(v_{l−1})^N)              expected best of N draws
 *     δR_BoN/δπ(y)  = −∫_{r(y)}^{r_max} N·C(s)^{N−1} ds                 (r_max = the largest support reward)
 *     forced(y)     = N·E[max(r(y), r(Y_2), …, r(Y_N))] = N·r_max + δR_BoN/δπ(y)
 *     R_τ[π]        = Σ π e^{r/τ} r / Σ π e^{r/τ},   δR_τ/δπ(y) = (e^{r(y)/τ}/Z)·(r(y) − R_τ[π])
 *
 * First variations are defined up to an additive constant; the ones here are IAMA.md's. They are defined at
 * every support point, including points of probability 0 (the derivative towards putting mass there).
 *
 * @module
 */

import { ascendingOrder, assertBudget, assertFiniteGroup, assertPositive } from "./_validate.ts";

/**
 * Exact BoN_N value: the expected maximum reward of N independent draws from π.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactValueBestOfN } from "./exact_discrete.ts";
 * assert.equal(exactValueBestOfN([0.5, 0.5], [0, 1], 3), 7 / 8);
 * ```
 */
export function exactValueBestOfN(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
  n: number,
): number {
  assertBudget(n);
  const { levels, cdf } = rewardLevels(probabilities, rewards);
  let value = 0;
  let previous = 0;
  for (let l = 0; l < levels.length; l++) {
    const power = cdf[l] ** n;
    value += levels[l] * (power - previous);
    previous = power;
  }
  return value;
}

/**
 * Exact BoN_N first variation −∫_{r(y)}^{r_max} N·C(s)^{N−1} ds at every support point (C is a step
 * function, so the integral is a finite sum over reward levels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactFirstVariationBestOfN } from "./exact_discrete.ts";
 * // C = ½ on [0, 1): the low point loses N·(½)^{N−1}·1 = 1 for N = 2, the top point nothing.
 * assert.deepEqual([...exactFirstVariationBestOfN([0.5, 0.5], [0, 1], 2)], [-1, 0]);
 * ```
 */
export function exactFirstVariationBestOfN(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
  n: number,
): Float64Array {
  assertBudget(n);
  const { levels, cdf, levelOf } = rewardLevels(probabilities, rewards);
  const integralFromLevel = new Float64Array(levels.length); // ∫_{v_l}^{v_L} N·C^{N−1} ds
  for (let l = levels.length - 2; l >= 0; l--) {
    integralFromLevel[l] = integralFromLevel[l + 1] + n * cdf[l] ** (n - 1) * (levels[l + 1] - levels[l]);
  }
  return Float64Array.from(levelOf, (l) => 0 - integralFromLevel[l]); // 0 − x: no −0 at the top
}

/**
 * N·E[max(r(y), r(Y_2), …, r(Y_N))] with Y_i ~ π: the exact BoN first variation in the form the plug-in
 * estimator targets (it equals N·r_max + {@linkcode exactFirstVariationBestOfN}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactForcedBestOfN } from "./exact_discrete.ts";
 * assert.deepEqual([...exactForcedBestOfN([0.5, 0.5], [0, 1], 2)], [1, 2]);
 * ```
 */
export function exactForcedBestOfN(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
  n: number,
): Float64Array {
  const variation = exactFirstVariationBestOfN(probabilities, rewards, n);
  let largest = -Infinity;
  for (let i = 0; i < rewards.length; i++) largest = Math.max(largest, rewards[i]);
  return variation.map((v) => n * largest + v);
}

/**
 * Exact SoftBoN_τ value R_τ[π] = E_π[e^{r/τ} r] / E_π[e^{r/τ}] (the mean reward of the tilted policy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactValueSoftBestOfN } from "./exact_discrete.ts";
 * assert.ok(Math.abs(exactValueSoftBestOfN([0.5, 0.5], [0, 1], 1) - Math.E / (1 + Math.E)) < 1e-15);
 * ```
 */
export function exactValueSoftBestOfN(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
  tau: number,
): number {
  return tiltedDistribution(probabilities, rewards, tau).value;
}

/**
 * Exact SoftBoN_τ first variation (e^{r(y)/τ}/Z)·(r(y) − R_τ[π]), Z = E_π[e^{r/τ}], at every support point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactFirstVariationSoftBestOfN } from "./exact_discrete.ts";
 * const variation = exactFirstVariationSoftBestOfN([0.25, 0.75], [0, 1], 0.5);
 * assert.ok(Math.abs(0.25 * variation[0] + 0.75 * variation[1]) < 1e-15); // zero mean under π
 * ```
 */
export function exactFirstVariationSoftBestOfN(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
  tau: number,
): Float64Array {
  const { ratios, value } = tiltedDistribution(probabilities, rewards, tau);
  return ratios.map((ratio, i) => ratio * (rewards[i] - value));
}

/** e^{r/τ}/Z per support point and R_τ[π], exponentials shifted by max r/τ over the support. */
function tiltedDistribution(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
  tau: number,
): { ratios: Float64Array; value: number } {
  assertDistribution(probabilities, rewards);
  assertPositive(tau, "tau");
  let largest = -Infinity;
  for (let i = 0; i < rewards.length; i++) largest = Math.max(largest, rewards[i] / tau);
  const ratios = Float64Array.from(
    { length: rewards.length },
    (_, i) => Math.exp(rewards[i] / tau - largest),
  );
  let z = 0;
  let weighted = 0;
  for (let i = 0; i < ratios.length; i++) {
    z += probabilities[i] * ratios[i];
    weighted += probabilities[i] * ratios[i] * rewards[i];
  }
  for (let i = 0; i < ratios.length; i++) ratios[i] /= z;
  return { ratios, value: weighted / z };
}

/** Distinct reward levels ascending, C at each level, and each support point's level. */
function rewardLevels(
  probabilities: ArrayLike<number>,
  rewards: ArrayLike<number>,
): { levels: Float64Array; cdf: Float64Array; levelOf: Uint32Array } {
  assertDistribution(probabilities, rewards);
  const order = ascendingOrder(rewards);
  const levels: number[] = [];
  const cdf: number[] = [];
  const levelOf = new Uint32Array(rewards.length);
  let cumulative = 0;
  for (const i of order) {
    if (levels.length === 0 || rewards[i] !== levels[levels.length - 1]) {
      levels.push(rewards[i]);
      cdf.push(0);
    }
    cumulative += probabilities[i];
    cdf[cdf.length - 1] = cumulative;
    levelOf[i] = levels.length - 1;
  }
  cdf[cdf.length - 1] = 1; // absorb rounding: C(r_max) = 1 exactly
  return { levels: Float64Array.from(levels), cdf: Float64Array.from(cdf), levelOf };
}

function assertDistribution(probabilities: ArrayLike<number>, rewards: ArrayLike<number>): void {
  assertFiniteGroup(rewards, "rewards");
  if (probabilities.length !== rewards.length) {
    throw new RangeError(`${probabilities.length} probabilities for ${rewards.length} rewards`);
  }
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    if (!(probabilities[i] >= 0 && probabilities[i] <= 1)) {
      throw new RangeError(`probabilities[${i}] = ${probabilities[i]} is not in [0, 1]`);
    }
    total += probabilities[i];
  }
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`probabilities sum to ${total}, not 1`);
}
