/**
 * Argument checks shared by the IAMA math modules. They throw `RangeError` (a programming error at the
 * call site, not a domain condition) with the offending value in the message.
 *
 * @module
 */

/** Throws unless `values` is non-empty and every entry is finite. */
export function assertFiniteGroup(values: ArrayLike<number>, what: string): void {
  if (values.length === 0) throw new RangeError(`${what} must not be empty`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${what} must be finite, ${what}[${i}] = ${values[i]}`);
    }
  }
}

/** Throws unless `n` is an integer ≥ 1. */
export function assertBudget(n: number, what = "n"): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be an integer ≥ 1, got ${n}`);
}

/** Throws unless `value` is finite and > 0. */
export function assertPositive(value: number, what: string): void {
  if (!(value > 0 && value < Infinity)) throw new RangeError(`${what} must be finite and > 0, got ${value}`);
}

/** Indices 0..M−1 ordered by ascending `values` (ties keep their original order). */
export function ascendingOrder(values: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => values[a] - values[b] || a - b);
}
