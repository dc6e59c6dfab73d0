/**
 * Building receipts: what an aligner did (candidates, seeds, compute) and why it chose what it chose
 * (aggregates, the chosen candidate's per-criterion scores), as JSON-ready data.
 *
 * @module
 */
import { candidateBreakdown, type WeightedScores } from "./criteria/mod.ts";
import type { ComputeSpent } from "../models/engine/types.ts";
import type { AlignerResult, Receipt } from "./aligner.ts";
import type { CandidateBatch } from "./candidates.ts";

/** How the candidates were scored, for a receipt. */
export interface ReceiptScores {
  /** Aggregate of every candidate, in draw order. */
  aggregates: ArrayLike<number>;
  /** Weighted scores of the batch holding the chosen candidate... */
  chosenBatch: WeightedScores;
  /** ...and the chosen candidate's index within it. */
  chosenBatchIndex: number;
  rewardEvaluations: number;
}

/** Input of {@link alignerResult}. */
export interface ReceiptInput {
  aligner: { name: string; params: Record<string, unknown> };
  /** Every engine request of the run, in order. */
  batches: readonly CandidateBatch[];
  /** Index of the chosen candidate in draw order (over all batches). */
  chosen: number;
  scores?: ReceiptScores;
  /** `performance.now()` when the run started. */
  startedAt: number;
  details?: Record<string, unknown>;
}

/**
 * Sums the engine's compute over several requests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumCompute } from "./receipt.ts";
 * const one = { prefillTokens: 5, generatedTokens: 8, forwardPasses: 4, milliseconds: 2 };
 * assert.deepEqual(sumCompute([one, one]), { prefillTokens: 10, generatedTokens: 16, forwardPasses: 8, milliseconds: 4 });
 * ```
 */
export function sumCompute(parts: readonly ComputeSpent[]): ComputeSpent {
  const total: ComputeSpent = { prefillTokens: 0, generatedTokens: 0, forwardPasses: 0, milliseconds: 0 };
  for (const part of parts) {
    total.prefillTokens += part.prefillTokens;
    total.generatedTokens += part.generatedTokens;
    total.forwardPasses += part.forwardPasses;
    total.milliseconds += part.milliseconds;
  }
  return total;
}

const finiteOrNull = (value: number) => (Number.isNaN(value) ? null : value);

/**
 * The chosen completion and its receipt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alignerResult } from "./receipt.ts";
 * const compute = { prefillTokens: 3, generatedTokens: 2, forwardPasses: 2, milliseconds: 1 };
 * const batch = {
 *   candidates: [{ text: "ok", completionTokens: 2, finishReason: "length" as const, tokens: [] }],
 *   modelVersion: "v1",
 *   seed: 9,
 *   compute,
 * };
 * const { choice, receipt } = alignerResult({
 *   aligner: { name: "plain", params: {} },
 *   batches: [batch],
 *   chosen: 0,
 *   startedAt: performance.now(),
 * });
 * assert.equal(choice.text, "ok");
 * assert.equal(receipt.compute.generatedTokens, 2);
 * assert.deepEqual(receipt.seeds, [9]);
 * ```
 */
export function alignerResult(input: ReceiptInput): AlignerResult {
  const candidates = input.batches.flatMap((batch) => batch.candidates);
  const chosen = candidates[input.chosen];
  if (chosen === undefined) throw new RangeError(`chosen index ${input.chosen} of ${candidates.length}`);
  const receipt: Receipt = {
    aligner: input.aligner.name,
    params: { ...input.aligner.params },
    modelVersion: input.batches[0]?.modelVersion ?? "",
    seeds: input.batches.map((batch) => batch.seed),
    candidates: candidates.length,
    chosen: input.chosen,
    compute: {
      ...sumCompute(input.batches.map((batch) => batch.compute)),
      rewardEvaluations: input.scores?.rewardEvaluations ?? 0,
      wallMilliseconds: performance.now() - input.startedAt,
    },
  };
  const scores = input.scores;
  if (scores) {
    receipt.aggregate = finiteOrNull(scores.aggregates[input.chosen]);
    receipt.aggregates = Array.from(scores.aggregates, finiteOrNull);
    receipt.criteria = candidateBreakdown(scores.chosenBatch, scores.chosenBatchIndex);
    receipt.aggregator = scores.chosenBatch.aggregator;
    if (scores.chosenBatch.calibrationVersion !== undefined) {
      receipt.calibrationVersion = scores.chosenBatch.calibrationVersion;
    }
  }
  if (input.details) receipt.details = input.details;
  return {
    choice: {
      index: input.chosen,
      text: chosen.text,
      completionTokens: chosen.completionTokens,
      finishReason: chosen.finishReason,
      tokens: chosen.tokens,
    },
    receipt,
  };
}
