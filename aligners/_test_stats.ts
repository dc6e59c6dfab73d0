/** Test helper: frequency checks against a known law. */
import assert from "node:assert/strict";

/** Asserts counts of `trials` draws match `probabilities` within 5σ per index (binomial). */
export function assertFrequencies(counts: number[], probabilities: ArrayLike<number>, trials: number) {
  for (let i = 0; i < counts.length; i++) {
    const p = probabilities[i];
    const sigma = Math.sqrt(trials * p * (1 - p));
    assert.ok(
      Math.abs(counts[i] - trials * p) <= 5 * sigma + 1e-9,
      `index ${i}: ${counts[i]} draws, expected ${trials * p} ± ${5 * sigma}`,
    );
  }
}
