/**
 * Curve points from sampled aggregates: given, for one weighting, the aggregate of each of K sampled
 * responses per prompt, the expected aligned reward of every (aligner, budget) averaged over prompts
 * (plug-in estimates, order_statistics.ts) and, for rejection sampling, the probability that each
 * candidate batch is drawn (what its expected cost needs). Blockwise decoding's point is measured, not
 * derived: the mean reward of the answers its runs committed to (measure_blockwise.ts).
 *
 * @module
 */
import type { Rng } from "../../models/random.ts";
import { expectedMaxOfN, expectedRejection, expectedSoftBestOfN } from "./order_statistics.ts";
import type { BlockwiseCurvePoint, CurvePoint } from "./store.ts";

/** Which aligners and budgets to tabulate. */
export interface CurveGrid {
  /** Best-of-N for N = 1 .. maxN; soft best-of-N for N = 2 .. maxN. */
  maxN: number;
  softTemperatures: readonly number[];
  /** Monte Carlo draws per prompt for soft best-of-N. */
  softTrials: number;
  rejectionTemperatures: readonly number[];
  rejectionMaxDraws: readonly number[];
  rejectionBatchSize: number;
}

/** The grid `deno task calibrate` measures. */
export const DEFAULT_CURVE_GRID: CurveGrid = {
  maxN: 8,
  softTemperatures: [0.25, 0.5, 1],
  softTrials: 2000,
  rejectionTemperatures: [0.5, 1],
  rejectionMaxDraws: [4, 8],
  rejectionBatchSize: 4,
};

const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

/**
 * Curve points of one weighting. `aggregates[p]` holds the finite aggregates of prompt p's responses
 * (prompts without any are left out); `rMax` is rejection sampling's bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../../models/random.ts";
 * import { curvePoints } from "./curves.ts";
 * const grid = { maxN: 2, softTemperatures: [], softTrials: 0, rejectionTemperatures: [], rejectionMaxDraws: [], rejectionBatchSize: 1 };
 * const points = curvePoints([[0, 1], [2, 2]], 2, grid, new Rng(1));
 * assert.deepEqual(points.map((p) => p.expectedReward), [1.25, 1.375]); // means of 0.5, 2 and of 0.75, 2
 * ```
 */
export function curvePoints(
  aggregates: readonly (readonly number[])[],
  rMax: number,
  grid: CurveGrid,
  rng: Rng,
): CurvePoint[] {
  const prompts = aggregates.filter((values) => values.length > 0);
  if (prompts.length === 0) throw new RangeError("no prompt has a finite aggregate");
  const points: CurvePoint[] = [];
  for (let n = 1; n <= grid.maxN; n++) {
    points.push({
      aligner: "best_of_n",
      params: { n },
      expectedReward: mean(prompts.map((values) => expectedMaxOfN(values, n))),
      batches: [{ size: n, probability: 1 }],
    });
  }
  grid.softTemperatures.forEach((temperature, t) => {
    for (let n = 2; n <= grid.maxN; n++) {
      const stream = rng.fork(t * 1000 + n);
      points.push({
        aligner: "soft_best_of_n",
        params: { n, temperature },
        expectedReward: mean(
          prompts.map((values) => expectedSoftBestOfN(values, n, temperature, stream, grid.softTrials)),
        ),
        batches: [{ size: n, probability: 1 }],
      });
    }
  });
  for (const temperature of grid.rejectionTemperatures) {
    for (const maxDraws of grid.rejectionMaxDraws) {
      const batchSize = Math.min(grid.rejectionBatchSize, maxDraws);
      const shape = { temperature, rMax, batchSize, maxDraws };
      const outcomes = prompts.map((values) => expectedRejection(values, shape));
      points.push({
        aligner: "rejection_sampling",
        params: { ...shape },
        expectedReward: mean(outcomes.map((o) => o.reward)),
        batches: outcomes[0].batchProbabilities.map((_, j) => ({
          size: Math.min(batchSize, maxDraws - j * batchSize),
          probability: mean(outcomes.map((o) => o.batchProbabilities[j])),
        })),
      });
    }
  }
  return points;
}

/**
 * Blockwise decoding's curve point from its measured runs: per prompt the mean reward of its runs'
 * committed answers, then the mean over prompts (as {@link curvePoints} averages), leaving out null
 * rewards and prompts without any; undefined when no run has a reward.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockwisePoint } from "./curves.ts";
 * const point = blockwisePoint({ k: 4, blockTokens: 16, rewards: [[1, 2], [0, null], [null, null]] });
 * assert.deepEqual(point, { aligner: "blockwise", params: { k: 4, blockTokens: 16 }, expectedReward: 0.75 });
 * ```
 */
export function blockwisePoint(
  run: { k: number; blockTokens: number; rewards?: readonly (readonly (number | null)[])[] },
): BlockwiseCurvePoint | undefined {
  const prompts = (run.rewards ?? [])
    .map((rewards) => rewards.filter((reward) => reward !== null))
    .filter((rewards) => rewards.length > 0);
  if (prompts.length === 0) return undefined;
  return {
    aligner: "blockwise",
    params: { k: run.k, blockTokens: run.blockTokens },
    expectedReward: mean(prompts.map(mean)),
  };
}
