/**
 * Helpers shared by the synchronous built-in criteria.
 *
 * @module
 */

/** Runs a synchronous scorer so that any throw becomes a rejected promise, never a synchronous throw. */
export function scoreSync(compute: () => Float64Array): Promise<Float64Array> {
  try {
    return Promise.resolve(compute());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** All-NaN scores ("not applicable"), e.g. for partial candidates of a criterion without partial support. */
export function notApplicable(count: number): Float64Array {
  return new Float64Array(count).fill(NaN);
}
