/**
 * Best-of-N with early pruning: the N candidates are generated `blockTokens` at a time; after every
 * block each candidate is scored on its text so far (partial scores for unfinished ones, see
 * _blocks.ts) and only the best ⌈keepFraction · alive⌉ stay alive (ranked by aggregate, NaN last, ties
 * to the lower index; no pruning while every aggregate is NaN). The survivors run to the end and the
 * best finished one is returned. With a criterion whose partial score already is its final score the
 * winner is best-of-N's; otherwise pruning is a bet that candidates behind now stay behind.
 *
 * Seeds: candidate i draws from the random stream i of best-of-N's engine seed (`batchSeed(rng, 0)`):
 * block 0 is one request of N candidates (shared prefill), later blocks continue each survivor alone
 * (`firstStream: i`, `resumeTokens`), so a survivor's tokens are exactly best-of-N's candidate i.
 *
 * @module
 */
import type { ComputeSpent, FinishReason, GeneratedToken } from "../models/engine/types.ts";
import type { Aligner, AlignerContext, AlignerResult, AlignmentTask, Cost, CostParams } from "./aligner.ts";
import { batchSeed, type Candidate, type CandidateBatch } from "./candidates.ts";
import { argmaxIndex } from "./choice.ts";
import { batchCost } from "./cost.ts";
import { alignerResult, sumCompute } from "./receipt.ts";
import { type BlockScores, checkBlockTokens, decodeAnswer, requestBlock, scoreBlock } from "./_blocks.ts";
import { checkCount } from "./_one_batch.ts";
import type { ReceiptCriterion } from "./aligner.ts";

/** Options of {@link createPrunedBestOfN}. */
export interface PrunedBestOfNOptions {
  /** Candidates drawn (≥ 1). */
  n: number;
  /** Tokens generated between two prunings (≥ 1). */
  blockTokens: number;
  /** Share of the alive candidates kept after each block, in (0, 1] (default 0.5: the top half). */
  keepFraction?: number;
}

/** One candidate's state between blocks. */
interface Track {
  tokens: GeneratedToken[];
  text: string;
  finishReason: FinishReason;
  final: boolean;
  alive: boolean;
  aggregate: number;
  breakdown?: Record<string, ReceiptCriterion>;
}

/**
 * Pruned best-of-N. `estimateCost` is best-of-N's (the worst case: nothing pruned, one prefill);
 * the receipt's `details` hold `blocks`, `requests`, `pruned`, `prunedPerBlock`, `survivors` and
 * `savedTokensUpperBound` (Σ over pruned candidates of max_tokens − tokens they had generated).
 * `aggregates` are each candidate's last score: partial for the pruned ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPrunedBestOfN } from "./pruned_best_of_n.ts";
 * const pruned = createPrunedBestOfN({ n: 8, blockTokens: 4 });
 * assert.deepEqual(pruned.params, { n: 8, blockTokens: 4, keepFraction: 0.5 });
 * assert.equal(pruned.estimateCost({ promptTokens: 4, maxTokens: 16, criteriaCount: 1 }).generatedTokens, 128);
 * ```
 */
export function createPrunedBestOfN(options: PrunedBestOfNOptions): Aligner {
  const { n, blockTokens, keepFraction = 0.5 } = options;
  checkCount(n, "n");
  checkBlockTokens(blockTokens);
  if (!(keepFraction > 0 && keepFraction <= 1)) {
    throw new RangeError(`keepFraction must be in (0, 1], got ${keepFraction}`);
  }
  const aligner: Aligner = {
    name: "pruned_best_of_n",
    params: { n, blockTokens, keepFraction },
    estimateCost: (params: CostParams): Cost => batchCost(params, n, 1, true),
    run: (task, context) => runPruned(aligner, { n, blockTokens, keepFraction }, task, context),
  };
  return aligner;
}

/**
 * Indices of the alive candidates to prune: all but the best ⌈keepFraction · alive⌉ (NaN ranks last,
 * ties to the lower index); none while no alive aggregate is a number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prunedIndices } from "./pruned_best_of_n.ts";
 * assert.deepEqual(prunedIndices([0.2, 0.9, NaN, 0.5], [true, true, true, true], 0.5), [0, 2]);
 * assert.deepEqual(prunedIndices([NaN, NaN], [true, true], 0.5), []);
 * ```
 */
export function prunedIndices(
  aggregates: ArrayLike<number>,
  alive: readonly boolean[],
  keepFraction: number,
): number[] {
  const living = alive.flatMap((isAlive, i) => (isAlive ? [i] : []));
  if (living.every((i) => Number.isNaN(aggregates[i]))) return [];
  const rank = (i: number) => (Number.isNaN(aggregates[i]) ? -Infinity : aggregates[i]);
  const ordered = [...living].sort((a, b) => rank(b) - rank(a) || a - b);
  return ordered.slice(Math.max(1, Math.ceil(keepFraction * living.length))).sort((a, b) => a - b);
}

async function runPruned(
  aligner: Aligner,
  { n, blockTokens, keepFraction }: Required<PrunedBestOfNOptions>,
  task: AlignmentTask,
  context: AlignerContext,
): Promise<AlignerResult> {
  const startedAt = performance.now();
  const { engine, signal } = context;
  const seed = batchSeed(context.rng, 0);
  const limit = task.sampling.maxTokens;
  const tracks: Track[] = Array.from({ length: n }, () => ({
    tokens: [],
    text: "",
    finishReason: "length",
    final: false,
    alive: true,
    aggregate: NaN,
  }));
  const computes: ComputeSpent[] = [];
  const prunedPerBlock: number[] = [];
  let modelVersion = "";
  let rewardEvaluations = 0;
  let requests = 0;
  let lastScores: BlockScores | undefined;
  const request = (promptIds: number[], count: number, done: number, firstStream: number) => {
    requests++;
    return requestBlock(engine, task, { promptIds, n: count, done, firstStream }, {
      seed,
      blockTokens,
      limit,
    }, signal);
  };
  for (let block = 0; tracks.some((t) => t.alive && !t.final); block++) {
    const running = tracks.flatMap((t, i) => (t.alive && !t.final ? [i] : []));
    let drawn: Candidate[];
    if (block === 0) {
      const batch: CandidateBatch = await request(task.promptIds, n, 0, 0);
      [drawn, modelVersion] = [batch.candidates, batch.modelVersion];
      computes.push(batch.compute);
    } else {
      const batches = await Promise.all(running.map((i) => {
        const ids = tracks[i].tokens.map((token) => token.tokenId);
        return request([...task.promptIds, ...ids], 1, ids.length, i);
      }));
      drawn = batches.map((batch) => batch.candidates[0]);
      computes.push(...batches.map((batch) => batch.compute));
    }
    await Promise.all(running.map(async (i, j) => {
      const track = tracks[i];
      track.tokens.push(...drawn[j].tokens);
      const ids = track.tokens.map((token) => token.tokenId);
      const decoded = await decodeAnswer(engine, task.model, ids, task.sampling.stop);
      track.text = decoded.text;
      track.finishReason = decoded.stopped ? "stop" : drawn[j].finishReason;
      track.final = drawn[j].finishReason !== "length" || decoded.stopped || ids.length >= limit;
    }));
    const scores = await scoreBlock(
      task,
      context.criteria,
      running.map((i) => tracks[i].text),
      running.map((i) => tracks[i].final),
      signal,
    );
    rewardEvaluations += scores.rewardEvaluations;
    running.forEach((i, j) => {
      tracks[i].aggregate = scores.aggregates[j];
      tracks[i].breakdown = scores.breakdown(j);
    });
    lastScores = scores;
    const pruned = tracks.some((t) => t.alive && !t.final)
      ? prunedIndices(tracks.map((t) => t.aggregate), tracks.map((t) => t.alive), keepFraction)
      : [];
    for (const i of pruned) tracks[i].alive = false;
    prunedPerBlock.push(pruned.length);
  }
  const chosen = argmaxIndex(tracks.map((t) => (t.alive ? t.aggregate : NaN)));
  const pick = tracks[chosen].alive ? chosen : tracks.findIndex((t) => t.alive);
  const runBatch: CandidateBatch = {
    candidates: tracks.map((t) => ({
      text: t.text,
      completionTokens: t.tokens.length,
      finishReason: t.finishReason,
      tokens: t.tokens,
    })),
    modelVersion,
    seed,
    compute: sumCompute(computes),
  };
  const prunedTracks = tracks.filter((t) => !t.alive);
  const result = alignerResult({
    aligner,
    batches: [runBatch],
    chosen: pick,
    startedAt,
    details: {
      blocks: prunedPerBlock.length,
      requests,
      pruned: prunedTracks.length,
      prunedPerBlock,
      survivors: n - prunedTracks.length,
      savedTokensUpperBound: prunedTracks.reduce((sum, t) => sum + limit - t.tokens.length, 0),
    },
  });
  const { receipt } = result;
  receipt.compute.rewardEvaluations = rewardEvaluations;
  receipt.aggregates = tracks.map((t) => (Number.isNaN(t.aggregate) ? null : t.aggregate));
  receipt.aggregate = receipt.aggregates[pick];
  receipt.criteria = tracks[pick].breakdown ?? {};
  if (lastScores) {
    receipt.aggregator = lastScores.aggregator;
    if (lastScores.calibrationVersion !== undefined) {
      receipt.calibrationVersion = lastScores.calibrationVersion;
    }
  }
  return result;
}
