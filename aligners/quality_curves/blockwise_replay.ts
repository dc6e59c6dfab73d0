/**
 * Blockwise decoding's expected compute by replaying the runs measured at calibration
 * (measure_blockwise.ts), for any request limit up to the measured one.
 *
 * A run is causal in its limit: block b starts after b·T committed tokens (a block is continued only when
 * its chosen candidate used all T tokens), and its candidates' first tokens are the same whatever comes
 * later. A run with limit M ≤ the measured limit is therefore the measured run's blocks with b·T < M, each
 * candidate's tokens cut at M − b·T (only the last block's choice may differ, and the run stops after it
 * either way). Each replayed block is charged as the engine charges a request that runs alone:
 *
 *     forwardPasses     = max(1, longest candidate's tokens)     (one prefill pass yields the first tokens)
 *     prefillTokens     = blockPrefill(promptTokens, b·T)         (the prompt and the committed prefix,
 *                                                                 less the previous block's cached sequence)
 *     generatedTokens   = Σ candidates' tokens
 *     rewardEvaluations = k · criteriaCount
 *
 * averaged over each prompt's runs, then over prompts. Unlike the length-law prediction (cost.ts
 * `expectedBlockwiseCost`), this keeps how one prefix's continuations end together: the longest of k
 * continuations of the same prefix ends sooner than the longest of k independent answers.
 *
 * @module
 */
import type { Cost, CostParams } from "../aligner.ts";
import { blockPrefill } from "../cost.ts";

/** Per prompt, per run, per block, per candidate: tokens generated (a run's `candidateTokensPerBlock`). */
export type MeasuredBlockRuns = readonly (readonly (readonly (readonly number[])[])[])[];

/**
 * Expected compute of blockwise decoding with `blockTokens` per block for a request of `params`' shape,
 * from runs measured with `measuredMaxTokens`; undefined when the request may run longer than they did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayBlockwiseCost } from "./blockwise_replay.ts";
 * // One prompt, one run of k = 2 and 4-token blocks measured up to 8 tokens: the first block's candidates
 * // ran 4 and 2 tokens (the 4 was chosen), the second's 3 and 4.
 * const runs = [[[[4, 2], [3, 4]]]];
 * const params = { promptTokens: 5, maxTokens: 8, criteriaCount: 1 };
 * assert.deepEqual(replayBlockwiseCost(runs, 8, 4, params), {
 *   forwardPasses: 4 + 4,
 *   prefillTokens: 5 + 1, // the second block's 9-token prompt: 8 cached (the chosen candidate's)
 *   generatedTokens: 6 + 7,
 *   rewardEvaluations: 4,
 * });
 * // Limit 6: the second block is cut at 2 tokens per candidate.
 * assert.deepEqual(replayBlockwiseCost(runs, 8, 4, { ...params, maxTokens: 6 })?.generatedTokens, 6 + 4);
 * assert.equal(replayBlockwiseCost(runs, 8, 4, { ...params, maxTokens: 9 }), undefined);
 * ```
 */
export function replayBlockwiseCost(
  runs: MeasuredBlockRuns,
  measuredMaxTokens: number,
  blockTokens: number,
  params: CostParams,
  maxBlocks = Infinity,
): Cost | undefined {
  if (params.maxTokens > measuredMaxTokens || runs.length === 0) return undefined;
  const limit = Math.min(params.maxTokens, maxBlocks * blockTokens);
  const total: Cost = { forwardPasses: 0, prefillTokens: 0, generatedTokens: 0, rewardEvaluations: 0 };
  for (const promptRuns of runs) {
    for (const blocks of promptRuns) {
      const weight = 1 / (runs.length * promptRuns.length);
      for (const [b, candidates] of blocks.entries()) {
        const room = limit - b * blockTokens;
        if (room <= 0) break;
        const generated = candidates.map((tokens) => Math.min(tokens, room));
        total.forwardPasses += weight * Math.max(1, ...generated);
        total.prefillTokens += weight * blockPrefill(params.promptTokens, b * blockTokens);
        total.generatedTokens += weight * generated.reduce((sum, tokens) => sum + tokens, 0);
        total.rewardEvaluations += weight * candidates.length * params.criteriaCount;
      }
    }
  }
  return total;
}
