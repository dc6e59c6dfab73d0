/**
 * Plug-in first variation and value of the best-of-N aligner on one group (IAMA.md §3, "Plug-in
 * estimators", BoN_N).
 *
 * Shapes: `rewards` [M] (one task's reward of each of the M samples of one prompt) → [M] in the same order.
 *
 * Sort ascending r_(1) ≤ … ≤ r_(M) and let F_k = k/M, where every member of a tie block takes the block's
 * upper end (so F is the group's right-continuous empirical CDF at r_(k)); F_0 = 0. Then
 *
 *     r̃_(j) = N · [ r_(j)·F_j^{N−1} + Σ_{k>j} r_(k)·(F_k^{N−1} − F_{k−1}^{N−1}) ]
 *           = N · E[ max(r_j, r_{I_2}, …, r_{I_N}) ],  I_2..I_N uniform on the group, with replacement,
 *
 * which is the exact first variation N·r_max − ∫_{r}^{r_max} N·Ĉ(s)^{N−1} ds of R_BoN at the empirical
 * distribution Ĉ (the constant N·r_max is immaterial: GRPO centres rewards). Equal rewards get equal values.
 * The plug-in value is R̂ = Σ_k r_(k)·(F_k^N − F_{k−1}^N), the expected best of N draws from the group.
 * O(M log M) for the sort, O(M) after.
 *
 * @module
 */

import { ascendingOrder, assertBudget, assertFiniteGroup } from "./_validate.ts";

/**
 * Per-sample BoN_N first variation r̃ (IAMA.md §3), returned in the input order. N = 1 returns the
 * rewards themselves (plain GRPO).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstVariationBestOfN } from "./best_of_n.ts";
 * // N = 2, group {0, 1}: forced 0 → E[max] = ½, forced 1 → 1; times N.
 * assert.deepEqual([...firstVariationBestOfN([1, 0], 2)], [2, 1]);
 * ```
 */
export function firstVariationBestOfN(rewards: Float64Array | readonly number[], n: number): Float64Array {
  assertFiniteGroup(rewards, "rewards");
  assertBudget(n);
  const m = rewards.length;
  const order = ascendingOrder(rewards);
  const powers = cdfPowersAtSorted(rewards, order, n - 1); // F_k^{N−1}, k = 1..M at index k − 1
  const result = new Float64Array(m);
  let upperTail = 0; // Σ_{k>j} r_(k)·(F_k^{N−1} − F_{k−1}^{N−1})
  for (let k = m - 1; k >= 0; k--) {
    const reward = rewards[order[k]];
    result[order[k]] = n * (reward * powers[k] + upperTail);
    if (k > 0) upperTail += reward * (powers[k] - powers[k - 1]);
  }
  return result;
}

/**
 * Plug-in BoN_N value R̂: the expected maximum of N draws with replacement from the group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pluginValueBestOfN } from "./best_of_n.ts";
 * assert.equal(pluginValueBestOfN([0, 1], 2), 0.75); // max of two fair coin flips
 * ```
 */
export function pluginValueBestOfN(rewards: Float64Array | readonly number[], n: number): number {
  assertFiniteGroup(rewards, "rewards");
  assertBudget(n);
  const order = ascendingOrder(rewards);
  const powers = cdfPowersAtSorted(rewards, order, n); // F_k^N
  let value = 0;
  let previous = 0; // F_0^N = 0
  for (let k = 0; k < order.length; k++) {
    value += rewards[order[k]] * (powers[k] - previous);
    previous = powers[k];
  }
  return value;
}

/** F_k^exponent at each sorted position, F_k = (upper end of k's tie block)/M. */
function cdfPowersAtSorted(
  rewards: Float64Array | readonly number[],
  order: Uint32Array,
  exponent: number,
): Float64Array {
  const m = order.length;
  const powers = new Float64Array(m);
  for (let start = 0; start < m;) {
    let end = start + 1; // tie block = sorted positions [start, end)
    while (end < m && rewards[order[end]] === rewards[order[start]]) end++;
    powers.fill((end / m) ** exponent, start, end);
    start = end;
  }
  return powers;
}
