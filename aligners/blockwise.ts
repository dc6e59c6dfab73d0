/**
 * Reward-guided blockwise decoding: from the prompt, ask the engine for k continuations of
 * `blockTokens` tokens (one request, n = k, shared prefill), score them on their partial text, append
 * the best block to the prefix and go on until the chosen continuation finishes (EOS or a stop string)
 * or `maxTokens` is reached. Scoring follows _blocks.ts: unfinished blocks are judged by the criteria
 * that support partial text, finished ones by all; ties and all-NaN blocks go to the lowest index.
 *
 * Seeds: every block uses the engine seed of plain sampling (`batchSeed(rng, 0)`) and resumes the
 * candidates' random streams where the previous block stopped (`GenerationRequest.resumeTokens`), so
 * candidate j of block b draws from stream j at positions [b·T, (b + 1)·T): no draw is ever reused,
 * one request seed reproduces the run, and whenever candidate 0 is chosen the tokens are exactly plain
 * sampling's (with k = 1, or when nothing can be judged yet, blockwise *is* plain sampling).
 *
 * Block b's prompt is the prompt and the b blocks chosen before it. The engine's prefix cache holds the
 * chosen candidate's sequence but for its last token, so a later block prefills one token (the
 * receipt's `prefillTokens` shows it; {@link blockwiseCost} predicts it).
 *
 * @module
 */
import type { FinishReason, GeneratedToken } from "../models/engine/types.ts";
import { StopStringFilter } from "../models/engine/stop_strings.ts";
import type { Aligner, AlignerContext, AlignerResult, AlignmentTask, Cost, CostParams } from "./aligner.ts";
import { batchSeed, type CandidateBatch } from "./candidates.ts";
import { argmaxIndex } from "./choice.ts";
import { batchCost, blockPrefill } from "./cost.ts";
import { alignerResult } from "./receipt.ts";
import {
  type BlockScores,
  checkBlockTokens,
  decodeAnswer,
  requestBlock,
  scoreBlock,
  settledText,
} from "./_blocks.ts";
import { checkCount } from "./_one_batch.ts";

/** `k` when a request leaves it out (and the configuration calibration measures). */
export const DEFAULT_BLOCKWISE_K = 4;
/** Tokens per block of blockwise decoding and pruned best-of-N when a request leaves it out. */
export const DEFAULT_BLOCK_TOKENS = 16;

/** Options of {@link createBlockwise}. */
export interface BlockwiseOptions {
  /** Continuations drawn per block (≥ 1). */
  k: number;
  /** Tokens per block (≥ 1). */
  blockTokens: number;
  /** Most blocks (default: as many as `maxTokens` needs). */
  maxBlocks?: number;
}

/**
 * Predicted compute: block b is one request of k candidates on a prompt of P + b·T tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockwiseCost } from "./blockwise.ts";
 * // 2 blocks of 3 tokens (the second has 2): passes (1 + 2) + (1 + 1); prompts of 4 and 4 + 3 tokens
 * // (too short for the prefix cache); 2 · 5 tokens; 2 · 2 scorings.
 * assert.deepEqual(blockwiseCost({ promptTokens: 4, maxTokens: 5, criteriaCount: 1 }, 2, 3), {
 *   forwardPasses: 5,
 *   prefillTokens: 11,
 *   generatedTokens: 10,
 *   rewardEvaluations: 4,
 * });
 * ```
 */
export function blockwiseCost(
  params: CostParams,
  k: number,
  blockTokens: number,
  maxBlocks = Infinity,
): Cost {
  const limit = Math.min(params.maxTokens, maxBlocks * blockTokens);
  const total: Cost = { forwardPasses: 0, prefillTokens: 0, generatedTokens: 0, rewardEvaluations: 0 };
  for (let done = 0, block = 0; block === 0 || done < limit; block++) {
    const size = Math.min(blockTokens, limit - done);
    const cost = batchCost(
      { ...params, promptTokens: params.promptTokens + done, maxTokens: size },
      k,
      1,
      true,
    );
    total.forwardPasses += cost.forwardPasses;
    total.prefillTokens += blockPrefill(params.promptTokens, done);
    total.generatedTokens += cost.generatedTokens;
    total.rewardEvaluations += cost.rewardEvaluations;
    done += size;
  }
  return total;
}

/**
 * Blockwise decoding. Its receipt counts k × blocks candidates (in draw order, block by block), `chosen`
 * is the last block's pick, and `details` hold `blocks`, `chosenPerBlock` (index within each block) and
 * `candidateTokensPerBlock` (tokens each candidate of each block generated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBlockwise } from "./blockwise.ts";
 * const blockwise = createBlockwise({ k: 4, blockTokens: 8 });
 * assert.deepEqual(blockwise.params, { k: 4, blockTokens: 8 });
 * assert.equal(blockwise.estimateCost({ promptTokens: 4, maxTokens: 16, criteriaCount: 1 }).generatedTokens, 64);
 * ```
 */
export function createBlockwise(options: BlockwiseOptions): Aligner {
  const { k, blockTokens, maxBlocks } = options;
  checkCount(k, "k");
  checkBlockTokens(blockTokens);
  if (maxBlocks !== undefined) checkCount(maxBlocks, "maxBlocks");
  const aligner: Aligner = {
    name: "blockwise",
    params: { k, blockTokens, ...(maxBlocks === undefined ? {} : { maxBlocks }) },
    estimateCost: (params) => blockwiseCost(params, k, blockTokens, maxBlocks),
    run: (task, context) => runBlockwise(aligner, options, task, context),
  };
  return aligner;
}

async function runBlockwise(
  aligner: Aligner,
  { k, blockTokens, maxBlocks = Infinity }: BlockwiseOptions,
  task: AlignmentTask,
  context: AlignerContext,
): Promise<AlignerResult> {
  const startedAt = performance.now();
  const { engine, signal } = context;
  const seed = batchSeed(context.rng, 0);
  const limit = Math.min(task.sampling.maxTokens, maxBlocks * blockTokens);
  const batches: CandidateBatch[] = [];
  const aggregates: number[] = [];
  const chosenPerBlock: number[] = [];
  const tokens: GeneratedToken[] = [];
  const committed = new StopStringFilter(task.sampling.stop);
  let answer = "";
  let fed = 0; // characters of `answer` pushed through `committed`
  let rewardEvaluations = 0;
  let scores: BlockScores;
  let finishReason: FinishReason;
  for (;;) {
    const batch = await requestBlock(
      engine,
      task,
      {
        promptIds: [...task.promptIds, ...tokens.map((token) => token.tokenId)],
        n: k,
        done: tokens.length,
      },
      { seed, blockTokens, limit },
      signal,
    );
    batches.push(batch);
    const prefixIds = tokens.map((token) => token.tokenId);
    const joined = await Promise.all(
      batch.candidates.map((c) =>
        decodeAnswer(engine, task.model, [
          ...prefixIds,
          ...c.tokens.map((token) => token.tokenId),
        ], task.sampling.stop)
      ),
    );
    const final = batch.candidates.map((c, i) =>
      c.finishReason !== "length" || joined[i].stopped || tokens.length + c.tokens.length >= limit
    );
    scores = await scoreBlock(task, context.criteria, joined.map((j) => j.text), final, signal);
    rewardEvaluations += scores.rewardEvaluations;
    aggregates.push(...scores.aggregates);
    const chosen = argmaxIndex(scores.aggregates);
    chosenPerBlock.push(chosen);
    const pick = batch.candidates[chosen];
    tokens.push(...pick.tokens);
    answer = joined[chosen].text;
    const settled = settledText(answer, final[chosen]);
    context.onCommit?.({ text: committed.push(settled.slice(fed)), tokens: pick.tokens });
    fed = settled.length;
    if (final[chosen]) {
      finishReason = joined[chosen].stopped
        ? "stop"
        : pick.finishReason === "length"
        ? "length"
        : pick.finishReason;
      break;
    }
  }
  const rest = committed.finish();
  if (rest !== "") context.onCommit?.({ text: rest, tokens: [] });
  const lastChosen = chosenPerBlock[chosenPerBlock.length - 1];
  const chosen = (batches.length - 1) * k + lastChosen;
  const { receipt } = alignerResult({
    aligner,
    batches,
    chosen,
    startedAt,
    details: {
      blocks: batches.length,
      chosenPerBlock,
      // What each block cost: the cost model replays these (aligners/quality_curves/blockwise_replay.ts).
      candidateTokensPerBlock: batches.map((batch) => batch.candidates.map((c) => c.completionTokens)),
    },
  });
  receipt.compute.rewardEvaluations = rewardEvaluations;
  receipt.aggregate = nullIfNaN(aggregates[chosen]);
  receipt.aggregates = aggregates.map(nullIfNaN);
  receipt.criteria = scores.breakdown(lastChosen);
  receipt.aggregator = scores.aggregator;
  if (scores.calibrationVersion !== undefined) receipt.calibrationVersion = scores.calibrationVersion;
  return {
    choice: { index: chosen, text: answer, completionTokens: tokens.length, finishReason, tokens },
    receipt,
  };
}

const nullIfNaN = (value: number) => (Number.isNaN(value) ? null : value);
