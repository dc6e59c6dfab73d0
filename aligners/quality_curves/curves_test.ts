import assert from "node:assert/strict";
import { blockwisePoint } from "./curves.ts";
import { parseQualityCurves } from "./store.ts";

// A small stored file: 4 prompts, blockwise (k = 2, 4-token blocks) run 2, 1, 3 and 2 times.
const store = parseQualityCurves({
  modelVersion: "v1",
  calibrationMethod: "z_score",
  sampling: { temperature: 1, topP: 1, maxTokens: 8 },
  samplesPerPrompt: 2,
  seed: 1,
  completionTokens: [[3, 8], [2, 5], [4, 4], [1, 1]],
  meanCompletionTokens: 3.5,
  timing: { millisecondsPerPass: 1, millisecondsPerGeneratedToken: 0.1, millisecondsPerPrefillToken: 0 },
  weightings: [{
    weights: { length: 1 },
    aggregator: "sum",
    rMax: 0,
    blockwise: [{
      k: 2,
      blockTokens: 4,
      committedTokens: [[3, 4], [2], [4, 1, 2], [1, 1]],
      candidateTokens: [[[[3, 4]], [[4, 1]]], [[[2, 2]]], [[[4, 4]], [[1, 4]], [[2, 2]]], [[[1, 1]], [[
        1,
        1,
      ]]]],
      rewards: [[0.5, 1.5], [-1], [null, 2, 4], [null, null]],
    }],
    points: [{
      aligner: "best_of_n",
      params: { n: 1 },
      expectedReward: 0,
      batches: [{ size: 1, probability: 1 }],
    }],
  }],
});

Deno.test("blockwisePoint: mean over prompts of each prompt's mean reward over its runs", () => {
  const run = store.weightings[0].blockwise![0];
  // Per prompt: (0.5 + 1.5) / 2 = 1, -1, (2 + 4) / 2 = 3 (the null run left out), none (left out).
  assert.deepEqual(blockwisePoint(run), {
    aligner: "blockwise",
    params: { k: 2, blockTokens: 4 },
    expectedReward: (1 - 1 + 3) / 3,
  });
  // Not the mean over all runs: (0.5 + 1.5 − 1 + 2 + 4) / 5 = 1.4.
  assert.notEqual(blockwisePoint(run)!.expectedReward, 1.4);
});

Deno.test("blockwisePoint: none without rewards or without any finite one", () => {
  const run = store.weightings[0].blockwise![0];
  assert.equal(blockwisePoint({ ...run, rewards: undefined }), undefined);
  assert.equal(blockwisePoint({ ...run, rewards: [[null], [null], [null], [null]] }), undefined);
});
