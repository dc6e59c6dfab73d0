import assert from "node:assert/strict";
import { loadQualityCurves, parseQualityCurves, saveQualityCurves } from "./store.ts";

const file = {
  modelVersion: "v1",
  calibrationMethod: "z_score",
  sampling: { temperature: 1, topP: 1, maxTokens: 8 },
  samplesPerPrompt: 2,
  seed: 1,
  completionTokens: [[3, 8], [2, 5]],
  meanCompletionTokens: 4.5,
  timing: { millisecondsPerPass: 1, millisecondsPerGeneratedToken: 0.1, millisecondsPerPrefillToken: 0 },
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

Deno.test("files of the older engine-time model load as the new one without its prefill part", () => {
  const legacy = { ...file, timing: { millisecondsPerPass: 1.9, millisecondsPerPassPerCandidate: 0.18 } };
  assert.deepEqual(parseQualityCurves(legacy).timing, {
    millisecondsPerPass: 1.9,
    millisecondsPerGeneratedToken: 0.18,
    millisecondsPerPrefillToken: 0,
  });
  // A negative coefficient of the new model is not a time.
  const negative = { ...file, timing: { ...file.timing, millisecondsPerPrefillToken: -0.1 } };
  assert.throws(() => parseQualityCurves(negative));
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

Deno.test("blockwise rewards: optional, one per run of committedTokens, and they round-trip", async () => {
  const runs = [[[[3, 1]]], [[[4, 4], [4, 1]], [[2, 4]]]];
  const withRewards = (rewards: unknown) => ({
    ...file,
    weightings: [{
      ...file.weightings[0],
      blockwise: [{ k: 2, blockTokens: 4, committedTokens: [[3], [8, 2]], candidateTokens: runs, rewards }],
      points: [
        ...file.weightings[0].points,
        { aligner: "blockwise", params: { k: 2, blockTokens: 4 }, expectedReward: 0.25 },
      ],
    }],
  });
  const parsed = parseQualityCurves(withRewards([[0.5], [null, -1]]));
  assert.deepEqual(parsed.weightings[0].blockwise![0].rewards, [[0.5], [null, -1]]);
  assert.deepEqual(parsed.weightings[0].points[1], {
    aligner: "blockwise",
    params: { k: 2, blockTokens: 4 },
    expectedReward: 0.25,
  });
  assert.equal(parseQualityCurves(withRewards(undefined)).weightings[0].blockwise![0].rewards, undefined);
  assert.throws(
    () => parseQualityCurves(withRewards([[0.5]])),
    /weightings\.0\.blockwise\.0\.rewards: must have one reward per run of committedTokens/,
  );
  assert.throws(
    () => parseQualityCurves(withRewards([[0.5], [1]])),
    /blockwise\.0\.rewards\.1: must have one/,
  );
  assert.throws(() => parseQualityCurves(withRewards([[0.5], [1, "x"]])), /blockwise\.0\.rewards\.1\.1/);

  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/quality_curves.json`;
    await saveQualityCurves(path, parsed);
    assert.deepEqual(await loadQualityCurves(path), parsed);
    assert.match(await Deno.readTextFile(path), /"rewards": \[\s*\[0\.5\],\s*\[null, -1\]\s*\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a blockwise point has k and blockTokens and no batches; batch points need batches", () => {
  const withPoint = (point: unknown) => ({
    ...file,
    weightings: [{ ...file.weightings[0], points: [point] }],
  });
  const blockwise = { aligner: "blockwise", params: { k: 4, blockTokens: 16 }, expectedReward: 1 };
  assert.deepEqual(parseQualityCurves(withPoint(blockwise)).weightings[0].points, [blockwise]);
  assert.throws(
    () => parseQualityCurves(withPoint({ ...blockwise, batches: [{ size: 4, probability: 1 }] })),
    /points\.0/,
  );
  assert.throws(
    () => parseQualityCurves(withPoint({ ...blockwise, params: { k: 4 } })),
    /params\.blockTokens/,
  );
  assert.throws(
    () => parseQualityCurves(withPoint({ ...blockwise, params: { k: 0, blockTokens: 16 } })),
    /params\.k/,
  );
  assert.throws(
    () => parseQualityCurves(withPoint({ aligner: "best_of_n", params: { n: 2 }, expectedReward: 1 })),
    /points\.0\.batches/,
  );
  assert.throws(() => parseQualityCurves(withPoint({ ...blockwise, aligner: "beam" })), /points\.0\.aligner/);
});
