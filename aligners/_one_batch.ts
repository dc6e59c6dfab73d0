/**
 * The shape shared by single-batch aligners (plain sampling, best-of-N, soft best-of-N): one engine
 * request of n candidates sharing a prefill, score them, pick one with a choice rule.
 *
 * @module
 */
import type { Rng } from "../models/random.ts";
import { type AlignerContext, type AlignerResult, type AlignmentTask, CHOICE_STREAM } from "./aligner.ts";
import { generateCandidates } from "./candidates.ts";
import { alignerResult } from "./receipt.ts";
import { scoreTask } from "./score.ts";

/** Picks a candidate index from the aggregates with the choice generator. */
export type ChoiceRule = (aggregates: Float64Array, rng: Rng) => number;

/** Generates n candidates, scores them (unless `rule` is undefined: then candidate 0), chooses. */
export async function runOneBatch(
  aligner: { name: string; params: Record<string, unknown> },
  n: number,
  rule: ChoiceRule | undefined,
  task: AlignmentTask,
  context: AlignerContext,
): Promise<AlignerResult> {
  const startedAt = performance.now();
  const batch = await generateCandidates(context.engine, task, n, context.rng, 0, context.signal);
  if (rule === undefined) return alignerResult({ aligner, batches: [batch], chosen: 0, startedAt });
  const texts = batch.candidates.map((candidate) => candidate.text);
  const { weighted, rewardEvaluations } = await scoreTask(task, context.criteria, texts, context.signal);
  const chosen = rule(weighted.scores, context.rng.fork(CHOICE_STREAM));
  return alignerResult({
    aligner,
    batches: [batch],
    chosen,
    startedAt,
    scores: {
      aggregates: weighted.scores,
      chosenBatch: weighted,
      chosenBatchIndex: chosen,
      rewardEvaluations,
    },
  });
}

/** Checks a candidate count: an integer ≥ 1. */
export function checkCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  }
}
