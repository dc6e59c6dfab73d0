/**
 * Plug-in first variation and value of the soft best-of-N aligner (exponential tilting
 * T[π](y) ∝ π(y)·e^{r(y)/τ}) on one group (IAMA.md §3, "Plug-in estimators", SoftBoN_τ).
 *
 * Shapes: `rewards` [M] (one task's reward of each sample of one prompt) → [M] in the same order.
 *
 *     w_j = e^{r_j/τ} / mean_k e^{r_k/τ},   R̂ = Σ_k softmax(r/τ)_k · r_k,   r̃_j = w_j · (r_j − R̂)
 *
 * the exact first variation (e^{r/τ}/Z)·(r − R[π]) at the group's empirical distribution; its group mean
 * is 0. Exponentials are taken after subtracting max r/τ, so any finite rewards and τ > 0 are safe. The
 * first variation is that of exact tilting: a task's sampling budget `n` (IAMA.md §1, how tilting is
 * approximated at serving time) does not enter it.
 *
 * @module
 */

import { assertFiniteGroup, assertPositive } from "./_validate.ts";

/**
 * Per-sample SoftBoN_τ first variation r̃ (IAMA.md §3), in the input order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstVariationSoftBestOfN } from "./soft_best_of_n.ts";
 * const tilde = firstVariationSoftBestOfN([0, 1, 2], 0.5);
 * assert.ok(Math.abs(tilde.reduce((a, b) => a + b, 0)) < 1e-12); // zero group mean
 * assert.ok(tilde[0] < 0 && tilde[2] > 0);
 * ```
 */
export function firstVariationSoftBestOfN(
  rewards: Float64Array | readonly number[],
  tau: number,
): Float64Array {
  const { tilts, value } = tilt(rewards, tau);
  const result = new Float64Array(rewards.length);
  for (let j = 0; j < result.length; j++) result[j] = tilts[j] * (rewards[j] - value);
  return result;
}

/**
 * Plug-in SoftBoN_τ value R̂ = Σ_k softmax(r/τ)_k · r_k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pluginValueSoftBestOfN } from "./soft_best_of_n.ts";
 * assert.ok(Math.abs(pluginValueSoftBestOfN([0, 1], 1) - Math.E / (1 + Math.E)) < 1e-15);
 * ```
 */
export function pluginValueSoftBestOfN(rewards: Float64Array | readonly number[], tau: number): number {
  return tilt(rewards, tau).value;
}

/** w_j = e^{r_j/τ}/mean e^{r/τ} and R̂, computed after subtracting max r/τ. */
function tilt(
  rewards: Float64Array | readonly number[],
  tau: number,
): { tilts: Float64Array; value: number } {
  assertFiniteGroup(rewards, "rewards");
  assertPositive(tau, "tau");
  const m = rewards.length;
  let largest = -Infinity;
  for (let j = 0; j < m; j++) largest = Math.max(largest, rewards[j] / tau);
  const tilts = new Float64Array(m);
  let sum = 0;
  for (let j = 0; j < m; j++) {
    tilts[j] = Math.exp(rewards[j] / tau - largest);
    sum += tilts[j];
  }
  let value = 0;
  for (let j = 0; j < m; j++) value += (tilts[j] / sum) * rewards[j];
  const scale = m / sum;
  for (let j = 0; j < m; j++) tilts[j] *= scale;
  return { tilts, value };
}
