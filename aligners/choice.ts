/**
 * Choice rules on aggregate scores r (IAMA.md §1): argmax for best-of-N, softmax(r/τ) for soft
 * best-of-N, and the rejection-sampling acceptance probability exp((r − r_max)/τ) that samples the
 * tilted policy π·exp(r/τ)/Z. NaN means "no criterion applies": such a candidate is never chosen
 * while another one can be.
 *
 * @module
 */
import type { Rng } from "../models/random.ts";

/**
 * Index of the largest score; ties go to the lowest index; NaN is never chosen unless all are NaN
 * (then 0). Throws on an empty list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argmaxIndex } from "./choice.ts";
 * assert.equal(argmaxIndex([1, 3, 3, NaN]), 1);
 * assert.equal(argmaxIndex([NaN, NaN]), 0);
 * ```
 */
export function argmaxIndex(scores: ArrayLike<number>): number {
  if (scores.length === 0) throw new RangeError("argmaxIndex needs at least one score");
  let best = -1;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) continue;
    if (best < 0 || scores[i] > scores[best]) best = i;
  }
  return best < 0 ? 0 : best;
}

function checkTemperature(tau: number): void {
  if (!(tau > 0) || Number.isNaN(tau)) throw new RangeError(`temperature τ must be > 0, got ${tau}`);
}

/**
 * softmax(r/τ), computed stably (shifted by the maximum). NaN scores get probability 0; when all are
 * NaN the law is uniform. +∞ scores share all the mass; τ = ∞ gives the uniform law over the
 * non-NaN scores.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softmaxProbabilities } from "./choice.ts";
 * const p = softmaxProbabilities([0, Math.log(3), NaN], 1);
 * assert.ok(Math.abs(p[0] - 0.25) < 1e-12 && Math.abs(p[1] - 0.75) < 1e-12 && p[2] === 0);
 * ```
 */
export function softmaxProbabilities(scores: ArrayLike<number>, tau: number): Float64Array {
  checkTemperature(tau);
  const n = scores.length;
  let max = -Infinity;
  let valid = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) continue;
    valid++;
    max = Math.max(max, scores[i]);
  }
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (valid === 0) weights[i] = 1;
    else if (Number.isNaN(s)) weights[i] = 0;
    else if (max === Infinity || max === -Infinity || tau === Infinity) {
      weights[i] = s === max || tau === Infinity ? 1 : 0;
    } else weights[i] = Math.exp((s - max) / tau);
  }
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * Index i drawn with probability softmax(r/τ)_i (see {@link softmaxProbabilities}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../models/random.ts";
 * import { softmaxChoice } from "./choice.ts";
 * assert.equal(softmaxChoice([0, 1000, NaN], 1, new Rng(1)), 1);
 * ```
 */
export function softmaxChoice(scores: ArrayLike<number>, tau: number, rng: Rng): number {
  return rng.choiceIndex(softmaxProbabilities(scores, tau));
}

/**
 * Acceptance probability of a draw with score r in rejection sampling toward π·exp(r/τ)/Z:
 * exp((r − r_max)/τ), capped at 1 (r > r_max breaks the bound; callers report it); NaN → 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptanceProbability } from "./choice.ts";
 * assert.equal(acceptanceProbability(1, 1, 0.5), 1);
 * assert.ok(Math.abs(acceptanceProbability(0, 1, 0.5) - Math.exp(-2)) < 1e-15);
 * assert.equal(acceptanceProbability(NaN, 1, 0.5), 0);
 * ```
 */
export function acceptanceProbability(score: number, rMax: number, tau: number): number {
  checkTemperature(tau);
  if (Number.isNaN(score)) return 0;
  if (score >= rMax) return 1;
  return Math.exp((score - rMax) / tau);
}
