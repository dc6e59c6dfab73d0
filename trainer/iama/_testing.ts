/**
 * Helpers shared by this folder's tests (not exported from mod.ts): finite differences on the probability
 * simplex and categorical sampling.
 *
 * @module
 */

import type { Rng } from "../../models/random.ts";

/**
 * Central difference of f along π + ε·(δ_y − π) at ε = 0, a direction that stays on the simplex. For a
 * functional R with first variation V, the result is V(y) − E_π[V]. Needs π(y) > h.
 */
export function simplexDirectionalDerivative(
  f: (probabilities: Float64Array) => number,
  probabilities: Float64Array,
  y: number,
  h = 1e-5,
): number {
  const moved = (epsilon: number) => probabilities.map((p, i) => p + epsilon * ((i === y ? 1 : 0) - p));
  return (f(moved(h)) - f(moved(-h))) / (2 * h);
}

/** E_π[values]. */
export function expectation(probabilities: ArrayLike<number>, values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += probabilities[i] * values[i];
  return sum;
}

/** M independent draws of a support index from π. */
export function sampleIndices(probabilities: ArrayLike<number>, m: number, rng: Rng): Uint32Array {
  return Uint32Array.from({ length: m }, () => rng.choiceIndex(probabilities));
}

/** M rewards drawn from a few levels, so ties are common. */
export function tiedRewards(m: number, rng: Rng, levels = [0, 0.25, 0.5, 1]): Float64Array {
  return Float64Array.from({ length: m }, () => levels[rng.nextInt(levels.length)]);
}
