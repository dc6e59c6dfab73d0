/**
 * Which of a prompt's K measured responses a reward-guided choice among k candidates commits to. The K
 * responses stand for the prompt's law; k candidates are a uniformly random k-subset of them (the
 * unbiased U-statistic estimate of k i.i.d. draws; with k > K, k draws with replacement, the plug-in
 * estimate of expectedMaxOfN). The choice is best-of-k's (aligners/choice.ts `argmaxIndex`): the
 * largest aggregate; a missing aggregate (null or NaN: no criterion applied) loses to every number.
 * With the K responses sorted by aggregate, response j (1-based, no ties) is the maximum with
 *
 *     P(j) = C(j − 1, k − 1) / C(K, k)            (k ≤ K)
 *     P(j) = (j / K)^k − ((j − 1) / K)^k          (k > K)
 *
 * Tied responses occupying sorted places a + 1 .. b share P(max ∈ places a + 1 .. b) equally: argmax
 * takes the tied candidate drawn first, and the candidates come in random order.
 *
 * Weighting the responses' lengths by P gives the chosen answer's length law (predict.ts, blockwise).
 *
 * @module
 */

/**
 * P(response j is the one chosen) for a best-of-k choice among random candidates (module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chosenProbabilities } from "./chosen_law.ts";
 * // K = 3, k = 2: the best response wins 2 of the 3 pairs, the middle one 1, the worst none.
 * assert.deepEqual(chosenProbabilities([0.5, 2, 1], 2).map((p) => 3 * p), [0, 2, 1]);
 * // A missing aggregate loses; the two tied at 1 share what the top place gets.
 * assert.deepEqual(chosenProbabilities([null, 1, 1], 2), [0, 0.5, 0.5]);
 * ```
 */
export function chosenProbabilities(aggregates: readonly (number | null)[], k: number): number[] {
  const count = aggregates.length;
  if (count === 0) throw new RangeError("chosenProbabilities needs at least one response");
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer ≥ 1, got ${k}`);
  const missing = (a: number | null) => a === null || Number.isNaN(a);
  // Ascending: missing first, then by value.
  const order = Array.from({ length: count }, (_, i) => i).sort((i, j) => {
    const [a, b] = [aggregates[i], aggregates[j]];
    if (missing(a) || missing(b)) return Number(!missing(a)) - Number(!missing(b));
    return a! < b! ? -1 : a! > b! ? 1 : 0;
  });
  const tied = (i: number, j: number) =>
    missing(aggregates[i]) ? missing(aggregates[j]) : aggregates[i] === aggregates[j];
  // P(the maximum of the k candidates is among the n lowest-ranked responses).
  const maxAmongLowest = (n: number) => {
    if (k > count) return (n / count) ** k;
    let p = 1;
    for (let i = 0; i < k; i++) p *= Math.max(0, n - i) / (count - i);
    return p;
  };
  const probabilities = new Array<number>(count).fill(0);
  for (let start = 0; start < count;) {
    let end = start + 1;
    while (end < count && tied(order[start], order[end])) end++;
    const share = (maxAmongLowest(end) - maxAmongLowest(start)) / (end - start);
    for (let place = start; place < end; place++) probabilities[order[place]] = share;
    start = end;
  }
  return probabilities;
}
