import assert from "node:assert/strict";
import { parseQualityCurves } from "./store.ts";

const file = {
  modelVersion: "v1",
  calibrationMethod: "z_score",
  sampling: { temperature: 1, topP: 1, maxTokens: 8 },
  samplesPerPrompt: 2,
  seed: 1,
  completionTokens: [[3, 8], [2, 5]],
  meanCompletionTokens: 4.5,
  timing: { millisecondsPerPass: 1, millisecondsPerPassPerCandidate: 0.1 },
  weightings: [{
    weights: { length: 1 },
    aggregator: "sum",
    rMax: 0,
    points: [{
      aligner: "best_of_n",
      params: { n: 1 },
      expectedReward: 0,
      batches: [{ size: 1, probability: 1 }],
    }],
  }],
};

Deno.test("files written before per-response aggregates still load", () => {
  assert.equal(parseQualityCurves(file).weightings[0].aggregates, undefined);
});

Deno.test("aggregates must match completionTokens response for response", () => {
  const withAggregates = (aggregates: unknown) => ({
    ...file,
    weightings: [{ ...file.weightings[0], aggregates }],
  });
  assert.deepEqual(parseQualityCurves(withAggregates([[0, null], [1, -1]])).weightings[0].aggregates, [[
    0,
    null,
  ], [
    1,
    -1,
  ]]);
  assert.throws(
    () => parseQualityCurves(withAggregates([[0, 1]])),
    /weightings\.0\.aggregates: must have one/,
  );
  assert.throws(
    () => parseQualityCurves(withAggregates([[0, 1], [1]])),
    /weightings\.0\.aggregates\.1: must have/,
  );
  assert.throws(
    () => parseQualityCurves(withAggregates([[0, "x"], [1, 1]])),
    /weightings\.0\.aggregates\.0\.1/,
  );
});

Deno.test("blockwise runs: one list per prompt of completionTokens, one block list per run", () => {
  const withBlockwise = (committedTokens: unknown, candidateTokens: unknown) => ({
    ...file,
    weightings: [{
      ...file.weightings[0],
      blockwise: [{ k: 2, blockTokens: 4, committedTokens, candidateTokens }],
    }],
  });
  const runs = [[[[3, 1]]], [[[4, 4], [4, 1]], [[2, 4]]]];
  assert.equal(parseQualityCurves(file).weightings[0].blockwise, undefined);
  assert.deepEqual(
    parseQualityCurves(withBlockwise([[3], [8, 2]], runs)).weightings[0].blockwise,
    [{ k: 2, blockTokens: 4, committedTokens: [[3], [8, 2]], candidateTokens: runs }],
  );
  assert.throws(
    () => parseQualityCurves(withBlockwise([[3]], runs.slice(0, 1))),
    /weightings\.0\.blockwise\.0\.committedTokens: must have one list of lengths per prompt/,
  );
  assert.throws(() => parseQualityCurves(withBlockwise([[3], []], runs)), /committedTokens\.1/);
  assert.throws(
    () => parseQualityCurves(withBlockwise([[3], [8]], runs)),
    /blockwise\.0\.candidateTokens\.1: must have one run per run of committedTokens/,
  );
  assert.throws(
    () => parseQualityCurves(withBlockwise([[3], [8, 2]], [[[]], runs[1]])),
    /candidateTokens\.0\.0/,
  );
});
