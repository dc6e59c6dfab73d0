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
  const sorted = nucleusCandidates(probabilities, mass).sort(); // ascending
  let taken = 0;
  let total = 0;
  let cut = 0;
  for (let i = sorted.length - 1; i >= 0 && sorted[i] > 0; i--) {
    total += sorted[i];
    taken++;
    cut = sorted[i];
    if (total >= mass) break;
  }
  if (taken === 0) return keep;
  let tiesAllowed = taken;
  for (let i = 0; i < probabilities.length; i++) {
    if (probabilities[i] > cut) {
      keep[i] = 1;
      tiesAllowed--;
    }
  }
  for (let i = 0; i < probabilities.length && tiesAllowed > 0; i++) {
    if (probabilities[i] === cut) {
      keep[i] = 1;
      tiesAllowed--;
    }
  }
  return keep;
}

/**
 * The values of every entry ≥ a floor chosen so that their total reaches `mass` (the nucleus is
 * a most-likely prefix, so it lies within them): floors max·2^−4, 2^−8, 2^−16, 2^−32, then all
 * positive entries. Peaked distributions keep a few entries to sort instead of V.
 */
function nucleusCandidates(probabilities: ArrayLike<number>, mass: number): Float64Array {
  let max = 0;
  for (let i = 0; i < probabilities.length; i++) if (probabilities[i] > max) max = probabilities[i];
  for (const shift of [4, 8, 16, 32, Infinity]) {
    const floor = shift === Infinity ? Number.MIN_VALUE : max * 2 ** -shift;
    let total = 0;
    let count = 0;
    for (let i = 0; i < probabilities.length; i++) {
      if (probabilities[i] >= floor) {
        total += probabilities[i];
        count++;
      }
    }
    if (total < mass && shift !== Infinity) continue;
    const values = new Float64Array(count);
    for (let i = 0, j = 0; i < probabilities.length; i++) {
      if (probabilities[i] >= floor) values[j++] = probabilities[i];
    }
    return values;
  }
  return new Float64Array(0); // unreachable: the last floor keeps every positive entry
}
