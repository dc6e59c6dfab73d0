/**
 * Rejection sampling toward the tilted policy π·exp(r/τ)/Z (IAMA.md §1 `SoftBoN_τ`) with a bounded
 * number of draws. With r_max an upper bound of r, a draw y ~ π is accepted with probability
 * exp((r(y) − r_max)/τ); the first accepted draw is distributed exactly as the tilted policy, and the
 * expected acceptance rate is E_π[exp((r − r_max)/τ)] = Z·exp(−r_max/τ).
 *
 * Draws come in batches (one engine request each). Every draw of a batch is tested (so the acceptance
 * count estimates the rate); the first accepted one wins and no further batch is drawn. When the budget
 * is spent without an acceptance, the best draw seen (argmax, as best-of-N) is returned instead.
 *
 * @module
 */
import type { Rng } from "../models/random.ts";
import { acceptanceProbability, argmaxIndex } from "./choice.ts";

/** Input of {@link rejectionLoop}. */
export interface RejectionLoopOptions {
  /** Draws batch `batch` of `size` candidates and returns their aggregates (length `size`). */
  drawBatch: (batch: number, size: number) => Promise<ArrayLike<number>>;
  batchSize: number;
  /** Most candidates drawn in all. */
  maxDraws: number;
  temperature: number;
  /** Upper bound of the aggregate. */
  rMax: number;
  /** Choice generator (one uniform per tested draw). */
  rng: Rng;
}

/** What a rejection loop did. */
export interface RejectionOutcome {
  /** Index of the returned draw, over all draws in order. */
  chosen: number;
  /** False when no draw was accepted and the best one seen was returned. */
  accepted: boolean;
  /** Every draw's aggregate, in order. */
  aggregates: number[];
  /** Draws tested (= drawn). */
  tested: number;
  /** Draws that passed their acceptance test (the first of them is chosen). */
  acceptances: number;
  batches: number;
  /** Draws whose aggregate exceeded r_max (the bound was wrong; they were accepted with probability 1). */
  aboveBound: number;
}

/**
 * Runs the loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../models/random.ts";
 * import { rejectionLoop } from "./rejection_loop.ts";
 * const outcome = await rejectionLoop({
 *   drawBatch: (_batch, size) => Promise.resolve(new Array(size).fill(1)), // every draw at r_max
 *   batchSize: 2, maxDraws: 6, temperature: 1, rMax: 1, rng: new Rng(1),
 * });
 * assert.deepEqual([outcome.chosen, outcome.accepted, outcome.tested, outcome.acceptances], [0, true, 2, 2]);
 * ```
 */
export async function rejectionLoop(options: RejectionLoopOptions): Promise<RejectionOutcome> {
  const { batchSize, maxDraws, temperature, rMax, rng } = options;
  const aggregates: number[] = [];
  let acceptances = 0;
  let aboveBound = 0;
  let chosen = -1;
  let batches = 0;
  while (chosen < 0 && aggregates.length < maxDraws) {
    const size = Math.min(batchSize, maxDraws - aggregates.length);
    const scores = await options.drawBatch(batches++, size);
    if (scores.length !== size) {
      throw new RangeError(`drawBatch returned ${scores.length} scores for ${size}`);
    }
    for (let i = 0; i < size; i++) {
      const r = scores[i];
      if (r > rMax) aboveBound++;
      if (rng.nextFloat() < acceptanceProbability(r, rMax, temperature)) {
        acceptances++;
        if (chosen < 0) chosen = aggregates.length;
      }
      aggregates.push(r);
    }
  }
  const accepted = chosen >= 0;
  return {
    chosen: accepted ? chosen : argmaxIndex(aggregates),
    accepted,
    aggregates,
    tested: aggregates.length,
    acceptances,
    batches,
    aboveBound,
  };
}
