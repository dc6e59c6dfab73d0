/**
 * Statistics of the IAMA benchmark (docs/iama.md), computed from pools of sampled responses:
 *
 * - best-of-N from a pool: the exact expected value, over all N-subsets of a pool of K samples (drawn
 *   without replacement), of a value at the subset's highest-selection-score member. With the pool sorted
 *   ascending by selection score, member j (1-based) is the subset's best with probability
 *   C(j−1, N−1)/C(K, N). This is the BoN_N aligner's expected outcome with the pool as the base's
 *   sample distribution, without the Monte Carlo noise of drawing subsets.
 * - Sarle's bimodality coefficient `b = (g² + 1) / (κ + 3(n−1)²/((n−2)(n−3)))` (g sample skewness, κ
 *   sample excess kurtosis, both bias-corrected): above 5/9 (a uniform's value) suggests two modes.
 * - histograms and the share of mass near each length target.
 *
 * @module
 */

/** C(n, k) as a float (exact for the small pools used here). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = result * (n - k + i) / i;
  return result;
}

/**
 * E[value at the argmax of `selection` among N of the K pool members drawn without replacement].
 * Ties in `selection` are broken by pool order (the later member wins), as in a stable ascending sort.
 */
export function bestOfNFromPool(selection: ArrayLike<number>, value: ArrayLike<number>, n: number): number {
  const k = selection.length;
  if (value.length !== k) throw new RangeError("selection and value need one entry per pool member");
  if (!Number.isInteger(n) || n < 1 || n > k) throw new RangeError(`N must be in 1..${k}, got ${n}`);
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => selection[a] - selection[b] || a - b);
  const total = binomial(k, n);
  let expected = 0;
  for (let j = 1; j <= k; j++) expected += (binomial(j - 1, n - 1) / total) * value[order[j - 1]];
  return expected;
}

/** The same expectation by enumerating every N-subset (the reference the benchmark checks against). */
export function bestOfNBruteForce(selection: ArrayLike<number>, value: ArrayLike<number>, n: number): number {
  const k = selection.length;
  let sum = 0;
  let count = 0;
  const visit = (start: number, chosen: number[]) => {
    if (chosen.length === n) {
      let best = chosen[0];
      for (const i of chosen) if (selection[i] >= selection[best]) best = i; // later member wins ties
      sum += value[best];
      count++;
      return;
    }
    for (let i = start; i < k; i++) visit(i + 1, [...chosen, i]);
  };
  visit(0, []);
  return sum / count;
}

/** Mean of finite values (NaN when there are none). */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      sum += values[i];
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/** Sarle's bimodality coefficient with bias-corrected skewness and excess kurtosis (needs n ≥ 4). */
export function bimodalityCoefficient(values: readonly number[]): number {
  const n = values.length;
  if (n < 4) return NaN;
  const m = mean(values);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of values) {
    const d = v - m;
    m2 += d * d / n;
    m3 += d * d * d / n;
    m4 += d * d * d * d / n;
  }
  if (m2 === 0) return NaN;
  const g1 = m3 / m2 ** 1.5;
  const skew = g1 * Math.sqrt(n * (n - 1)) / (n - 2);
  const g2 = m4 / (m2 * m2) - 3;
  const kurtosis = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  return (skew * skew + 1) / (kurtosis + (3 * (n - 1) ** 2) / ((n - 2) * (n - 3)));
}

/** Fractions of `values` in consecutive bins of `width` starting at 0 (the last bin takes the rest). */
export function histogram(values: readonly number[], width: number, bins: number): number[] {
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v / width)))]++;
  return counts.map((c) => c / Math.max(1, values.length));
}

/** Share of `values` within `radius` of each target, and in between (the rest). */
export function massNearTargets(
  values: readonly number[],
  targets: readonly number[],
  radius: number,
): { near: number[]; elsewhere: number } {
  const near = targets.map((t) => values.filter((v) => Math.abs(v - t) <= radius).length / values.length);
  return { near, elsewhere: 1 - near.reduce((a, b) => a + b, 0) };
}

/**
 * Mean of the paired differences a_i − b_i and its standard error s_d/√n (s_d with n − 1): the gap
 * between two bases evaluated on the same prompts, with the prompt-to-prompt variation they share removed.
 */
export function pairedDifference(
  a: readonly number[],
  b: readonly number[],
): { mean: number; standardError: number } {
  if (a.length !== b.length || a.length < 2) {
    throw new RangeError("pairedDifference needs two equal lengths ≥ 2");
  }
  const d = a.map((value, i) => value - b[i]);
  const m = d.reduce((sum, x) => sum + x, 0) / d.length;
  const variance = d.reduce((sum, x) => sum + (x - m) ** 2, 0) / (d.length - 1);
  return { mean: m, standardError: Math.sqrt(variance / d.length) };
}

/** Checks the estimators against independent references; throws on a mismatch. */
export function checkStatistics(): void {
  // Best-of-N: exact order-statistic weights vs enumerating all subsets, with ties in the scores.
  let state = 12345;
  const uniform = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const k of [5, 7, 9]) {
    const selection = Array.from({ length: k }, () => Math.floor(uniform() * 4)); // many ties
    const value = Array.from({ length: k }, () => uniform());
    for (let n = 1; n <= k; n++) {
      const exact = bestOfNFromPool(selection, value, n);
      const brute = bestOfNBruteForce(selection, value, n);
      if (Math.abs(exact - brute) > 1e-12) throw new Error(`BoN pool estimator: ${exact} vs ${brute}`);
    }
  }
  // Bimodality: two equal point masses give skew 0 and population excess kurtosis −2, so b → 1 as n grows;
  // a large uniform sample gives b → 1/(−1.2 + 3) = 5/9.
  const twoPoint = Array.from({ length: 2000 }, (_, i) => i % 2);
  const b2 = bimodalityCoefficient(twoPoint);
  if (Math.abs(b2 - 1) > 0.01) throw new Error(`bimodality of two point masses: ${b2}`);
  const uniformSample = Array.from({ length: 20001 }, (_, i) => i / 20000);
  const bu = bimodalityCoefficient(uniformSample);
  if (Math.abs(bu - 5 / 9) > 0.005) throw new Error(`bimodality of a uniform: ${bu}`);
  // Paired difference: d = (1, 2, 3, 4) has mean 5/2 and sample variance 5/3, so the error is √(5/3)/2.
  const paired = pairedDifference([3, 5, 7, 9], [2, 3, 4, 5]);
  if (Math.abs(paired.mean - 2.5) > 1e-12 || Math.abs(paired.standardError - Math.sqrt(5 / 3) / 2) > 1e-12) {
    throw new Error(`paired difference: ${JSON.stringify(paired)}`);
  }
}
