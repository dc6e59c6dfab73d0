/**
 * Rejection sampling aligner: samples the tilted policy π·exp(r/τ)/Z exactly (given a true bound
 * r_max of the aggregate, e.g. from calibration) with at most `maxDraws` candidates, drawn
 * `batchSize` per engine request; see rejection_loop.ts for the law and the fallback.
 *
 * @module
 */
import type { WeightedScores } from "./criteria/mod.ts";
import { type Aligner, CHOICE_STREAM, type Cost, type CostParams } from "./aligner.ts";
import { type CandidateBatch, generateCandidates } from "./candidates.ts";
import { batchCost } from "./cost.ts";
import { alignerResult } from "./receipt.ts";
import { rejectionLoop } from "./rejection_loop.ts";
import { scoreTask } from "./score.ts";
import { checkCount } from "./_one_batch.ts";

/** Options of {@link createRejectionSampling}. */
export interface RejectionSamplingOptions {
  /** Temperature τ > 0 of the tilt. */
  temperature: number;
  /** Known upper bound of the aggregate score. */
  rMax: number;
  /** Candidates per engine request (they share a prefill). */
  batchSize: number;
  /** Most candidates drawn in all (≥ 1). */
  maxDraws: number;
}

/**
 * Rejection sampling. Its receipt's `details` hold `accepted` (false: the budget ran out and the best
 * draw was returned), `fallback`, `acceptances`, `tested`, `acceptanceRate`, `batches`, `aboveBound`.
 * `estimateCost` is the worst case (every draw spent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRejectionSampling } from "./rejection_sampling.ts";
 * const rs = createRejectionSampling({ temperature: 0.5, rMax: 1, batchSize: 4, maxDraws: 10 });
 * assert.deepEqual(rs.estimateCost({ promptTokens: 4, maxTokens: 5, criteriaCount: 1 }), {
 *   forwardPasses: 15, // 3 requests (4 + 4 + 2 candidates) of 1 prefill pass + 4 decode passes
 *   prefillTokens: 12,
 *   generatedTokens: 50,
 *   rewardEvaluations: 10,
 * });
 * ```
 */
export function createRejectionSampling(options: RejectionSamplingOptions): Aligner {
  const { temperature, rMax, batchSize, maxDraws } = options;
  checkCount(batchSize, "batchSize");
  checkCount(maxDraws, "maxDraws");
  if (!(temperature > 0)) throw new RangeError(`temperature τ must be > 0, got ${temperature}`);
  if (!Number.isFinite(rMax)) throw new RangeError(`rMax must be finite, got ${rMax}`);
  const fullBatches = Math.floor(maxDraws / batchSize);
  const lastBatch = maxDraws % batchSize;
  const aligner: Aligner = {
    name: "rejection_sampling",
    params: { temperature, rMax, batchSize, maxDraws },
    estimateCost(params: CostParams): Cost {
      const full = batchCost(params, batchSize, fullBatches, true);
      if (lastBatch === 0) return full;
      const last = batchCost(params, lastBatch, 1, true);
      return {
        forwardPasses: full.forwardPasses + last.forwardPasses,
        prefillTokens: full.prefillTokens + last.prefillTokens,
        generatedTokens: full.generatedTokens + last.generatedTokens,
        rewardEvaluations: full.rewardEvaluations + last.rewardEvaluations,
      };
    },
    async run(task, context) {
      const startedAt = performance.now();
      const batches: CandidateBatch[] = [];
      const scored: WeightedScores[] = [];
      let rewardEvaluations = 0;
      const outcome = await rejectionLoop({
        batchSize,
        maxDraws,
        temperature,
        rMax,
        rng: context.rng.fork(CHOICE_STREAM),
        drawBatch: async (batch, size) => {
          const drawn = await generateCandidates(
            context.engine,
            task,
            size,
            context.rng,
            batch,
            context.signal,
          );
          batches.push(drawn);
          const texts = drawn.candidates.map((candidate) => candidate.text);
          const scores = await scoreTask(task, context.criteria, texts, context.signal);
          scored.push(scores.weighted);
          rewardEvaluations += scores.rewardEvaluations;
          return scores.weighted.scores;
        },
      });
      const chosenBatch = Math.floor(outcome.chosen / batchSize);
      return alignerResult({
        aligner,
        batches,
        chosen: outcome.chosen,
        startedAt,
        scores: {
          aggregates: outcome.aggregates,
          chosenBatch: scored[chosenBatch],
          chosenBatchIndex: outcome.chosen - chosenBatch * batchSize,
          rewardEvaluations,
        },
        details: {
          accepted: outcome.accepted,
          fallback: outcome.accepted ? null : "best_seen",
          acceptances: outcome.acceptances,
          tested: outcome.tested,
          acceptanceRate: outcome.acceptances / outcome.tested,
          batches: outcome.batches,
          aboveBound: outcome.aboveBound,
        },
      });
    },
  };
  return aligner;
}
