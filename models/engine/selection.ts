/**
 * Selection over one row of logits or probabilities [V]: the k largest entries and the k-th
 * largest value without sorting (O(V) expected), and the nucleus (smallest most-likely set
 * reaching a mass) from a sort of the bare values. Ties are broken by the lower index, so
 * results are deterministic.
 *
 * @module
 */

/**
 * Indices of the `k` largest finite entries, largest first (ties: lower index first).
 * Keeps a small sorted buffer; meant for small k (log-prob alternatives).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(topIndices(Float32Array.of(1, 5, 3, 5), 3), [1, 3, 2]);
 * ```
 */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const count = Math.min(k, values.length);
  const ids: number[] = [];
  if (count <= 0) return ids;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!(value > -Infinity)) continue; // skips -Infinity and NaN
    if (ids.length === count && !(value > values[ids[count - 1]])) continue;
    let at = Math.min(ids.length, count - 1);
    while (at > 0 && value > values[ids[at - 1]]) at--;
    if (ids.length === count) ids.pop();
    ids.splice(at, 0, i);
  }
  return ids;
}

/**
 * The k-th largest of `values` (1-based k ≤ length) by quickselect on a copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(kthLargest(Float32Array.of(4, 1, 9, 7), 2), 7);
 * ```
 */
export function kthLargest(values: ArrayLike<number>, k: number): number {
  if (!(k >= 1 && k <= values.length)) throw new RangeError(`k = ${k} outside 1..${values.length}`);
  const a = Float64Array.from(values);
  let low = 0;
  let high = a.length - 1;
  const target = k - 1; // index in descending order
  while (low < high) {
    const pivot = a[(low + high) >>> 1];
    let i = low;
    let j = high;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else break;
  }
  return a[target];
}

/**
 * Marks the smallest set of most likely entries whose total reaches `mass` (at least one),
 * as the nucleus of top-p sampling. `probabilities` are non-negative; zeros are never kept.
 * Sorts only the values of a most-likely set known to hold the nucleus (a native typed-array
 * sort, no index permutation) to find the cut value, then marks entries above it and, among
 * ties at it, the lowest ids.
 *
 * @returns keep[i] = 1 for kept entries.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...nucleus(Float64Array.of(0.1, 0.5, 0.3, 0.1), 0.7)], [0, 1, 1, 0]);
 * ```
 */
export function nucleus(probabilities: ArrayLike<number>, mass: number): Uint8Array {
  const keep = new Uint8Array(probabilities.length);
  const ids = new Int32Array(probabilities.length);
  const count = nucleusIndices(probabilities, mass, ids);
  for (let j = 0; j < count; j++) keep[ids[j]] = 1;
  return keep;
}

/**
 * The nucleus of `nucleus` as ids in ascending order, written to the front of `into` (length ≥
 * the row's); returns how many. Samplers then work on these few ids instead of the whole row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const into = new Int32Array(4);
 * assert.equal(nucleusIndices(Float64Array.of(0.1, 0.5, 0.3, 0.1), 0.7, into), 2);
 * assert.deepEqual([...into.subarray(0, 2)], [1, 2]);
 * ```
 */
export function nucleusIndices(probabilities: ArrayLike<number>, mass: number, into: Int32Array): number {
  return scaledNucleusIndices(probabilities, 1, mass, into);
}

/**
 * `nucleusIndices` of the probabilities weights[i] · normaliser (each product rounded as a
 * float64 multiply would store it), without writing them out: softmax samplers pass the
 * unnormalised exps and 1 / their sum, and save a pass over the row.
 */
export function scaledNucleusIndices(
  weights: ArrayLike<number>,
  normaliser: number,
  mass: number,
  into: Int32Array,
): number {
  const sorted = nucleusCandidates(weights, normaliser, mass).sort(); // ascending
  let taken = 0;
  let total = 0;
  let cut = 0;
  for (let i = sorted.length - 1; i >= 0 && sorted[i] > 0; i--) {
    total += sorted[i];
    taken++;
    cut = sorted[i];
    if (total >= mass) break;
  }
  if (taken === 0) return 0;
  // Every entry above the cut is a candidate (the cut is at or above the candidates' floor).
  let above = 0;
  for (let i = sorted.length - 1; i >= 0 && sorted[i] > cut; i--) above++;
  let tiesAllowed = taken - above; // ≥ 1: the cut value itself
  let count = 0;
  for (let i = 0; i < weights.length; i++) {
    const probability = weights[i] * normaliser;
    if (probability > cut) into[count++] = i;
    else if (probability === cut && tiesAllowed > 0) {
      into[count++] = i;
      tiesAllowed--;
    }
  }
  return count;
}

/**
 * The values of every entry ≥ a floor chosen so that their total reaches `mass` (the nucleus is
 * a most-likely prefix, so it lies within them): floors max·2^−4, 2^−8, 2^−16, 2^−32, then all
 * positive entries. Peaked distributions keep a few entries to sort instead of V. (One simple
 * pass per floor beats one pass with a branch per floor: the branches mispredict.)
 */
function nucleusCandidates(weights: ArrayLike<number>, normaliser: number, mass: number): Float64Array {
  let maxWeight = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i] > maxWeight) maxWeight = weights[i];
  const max = maxWeight * normaliser; // rounding is monotone: the largest probability
  for (const shift of [4, 8, 16, 32, Infinity]) {
    const floor = shift === Infinity ? Number.MIN_VALUE : max * 2 ** -shift;
    let total = 0;
    let count = 0;
    for (let i = 0; i < weights.length; i++) {
      const probability = weights[i] * normaliser;
      const passes = probability >= floor;
      total += passes ? probability : 0; // + 0 leaves the total as it is
      count += passes ? 1 : 0;
    }
    if (total < mass && shift !== Infinity) continue;
    const values = new Float64Array(count);
    for (let i = 0, j = 0; j < count; i++) {
      const probability = weights[i] * normaliser;
      if (probability >= floor) values[j++] = probability;
    }
    return values;
  }
  return new Float64Array(0); // unreachable: the last floor keeps every positive entry
}
