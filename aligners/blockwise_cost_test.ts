/**
 * Blockwise decoding's expected compute (cost.ts `expectedBlockwiseCost` with the measured lengths of
 * quality_curves/predict.ts) against independent references: a brute-force enumeration of the blockwise
 * process over small synthetic length laws (every k-tuple of continuation lengths, every chosen
 * candidate, block after block), `blockwiseCost` when every answer runs to max_tokens, and the compute
 * the real engine reports for fixed-length runs.
 */
import assert from "node:assert/strict";
import { createEngine, PREFIX_CACHE_MIN_TOKENS } from "../models/engine/mod.ts";
import { samplingParams, writeTestModel } from "../models/engine/_test_model.ts";
import { Rng } from "../models/random.ts";
import type { Cost, CostParams } from "./aligner.ts";
import { blockwiseCost, createBlockwise } from "./blockwise.ts";
import { expectedBlockwiseCost } from "./cost.ts";
import { Calibrator, type Criterion, CriterionRegistry } from "./criteria/mod.ts";
import {
  chosenAnswerLengths,
  committedLengths,
  completionLengths,
  predictAlignerCost,
} from "./quality_curves/predict.ts";
import type { QualityCurves } from "./quality_curves/store.ts";

interface Process {
  k: number;
  blockTokens: number;
  maxBlocks: number;
  params: CostParams;
}

/**
 * Exact expected compute of the blockwise process on one prompt whose completion lengths are uniform
 * over `lengths`, by enumeration: each block draws all k-tuples of lengths given L > done (uniform over
 * the outcomes still running), charges the engine's accounting for that tuple, and goes on with each
 * candidate chosen with probability 1/k (a choice that ignores length) while the chosen one has not ended.
 */
function enumerateBlockwise(
  lengths: readonly number[],
  { k, blockTokens, maxBlocks, params }: Process,
): Cost {
  const limit = Math.min(params.maxTokens, maxBlocks * blockTokens);
  const total: Cost = { forwardPasses: 0, prefillTokens: 0, generatedTokens: 0, rewardEvaluations: 0 };
  const visit = (done: number, probability: number) => {
    const size = Math.min(blockTokens, limit - done);
    const running = lengths.map((l) => Math.min(l, params.maxTokens)).filter((l) => l > done);
    const tuples: number[][] = [[]];
    for (let j = 0; j < k; j++) {
      const longer = tuples.splice(0).flatMap((tuple) => running.map((l) => [...tuple, l]));
      tuples.push(...longer);
    }
    for (const tuple of tuples) {
      const p = probability / tuples.length;
      const generated = tuple.map((l) => Math.min(l - done, size));
      // One prefill pass yields every first token, then one decode pass per further token.
      total.forwardPasses += p * Math.max(1, ...generated);
      // Each block prefills the prompt and the committed prefix. The engine's prefix cache holds the
      // chosen candidate's sequence but its last token (from PREFIX_CACHE_MIN_TOKENS tokens on).
      const cached = params.promptTokens + done - 1;
      total.prefillTokens += p *
        (done > 0 && cached >= PREFIX_CACHE_MIN_TOKENS ? 1 : params.promptTokens + done);
      total.generatedTokens += p * generated.reduce((a, b) => a + b, 0);
      total.rewardEvaluations += p * k * params.criteriaCount;
      for (const chosen of tuple) {
        // The chosen answer goes on only if it neither ended in the block nor reached the limit.
        if (chosen > done + size && done + size < limit) visit(done + size, p / k);
      }
    }
  };
  visit(0, 1);
  return total;
}

/**
 * The same enumeration when the committed answer has its own length law: each block draws the chosen
 * candidate's length from `committed` given L > done and the k − 1 others from `lengths` given L > done.
 */
function enumerateCommitted(
  lengths: readonly number[],
  committed: readonly number[],
  { k, blockTokens, maxBlocks, params }: Process,
): Cost {
  const limit = Math.min(params.maxTokens, maxBlocks * blockTokens);
  const total: Cost = { forwardPasses: 0, prefillTokens: 0, generatedTokens: 0, rewardEvaluations: 0 };
  const running = (law: readonly number[], done: number) =>
    law.map((l) => Math.min(l, params.maxTokens)).filter((l) => l > done);
  const visit = (done: number, probability: number) => {
    const size = Math.min(blockTokens, limit - done);
    const others = running(lengths, done).length > 0 ? running(lengths, done) : running(committed, done);
    const tuples: number[][] = running(committed, done).map((chosen) => [chosen]);
    for (let j = 1; j < k; j++) {
      tuples.push(...tuples.splice(0).flatMap((tuple) => others.map((l) => [...tuple, l])));
    }
    for (const tuple of tuples) {
      const p = probability / tuples.length;
      const generated = tuple.map((l) => Math.min(l - done, size));
      // One prefill pass yields every first token, then one decode pass per further token.
      total.forwardPasses += p * Math.max(1, ...generated);
      // Each block prefills the prompt and the committed prefix. The engine's prefix cache holds the
      // chosen candidate's sequence but its last token (from PREFIX_CACHE_MIN_TOKENS tokens on).
      const cached = params.promptTokens + done - 1;
      total.prefillTokens += p *
        (done > 0 && cached >= PREFIX_CACHE_MIN_TOKENS ? 1 : params.promptTokens + done);
      total.generatedTokens += p * generated.reduce((a, b) => a + b, 0);
      total.rewardEvaluations += p * k * params.criteriaCount;
      if (tuple[0] > done + size && done + size < limit) visit(done + size, p);
    }
  };
  visit(0, 1);
  return total;
}

const mean = (costs: Cost[]): Cost => ({
  forwardPasses: costs.reduce((s, c) => s + c.forwardPasses, 0) / costs.length,
  prefillTokens: costs.reduce((s, c) => s + c.prefillTokens, 0) / costs.length,
  generatedTokens: costs.reduce((s, c) => s + c.generatedTokens, 0) / costs.length,
  rewardEvaluations: costs.reduce((s, c) => s + c.rewardEvaluations, 0) / costs.length,
});

function assertClose(actual: Cost, expected: Cost, message: string) {
  for (const key of ["forwardPasses", "prefillTokens", "generatedTokens", "rewardEvaluations"] as const) {
    assert.ok(
      Math.abs(actual[key] - expected[key]) < 1e-9,
      `${message} ${key}: ${actual[key]} vs ${expected[key]}`,
    );
  }
}

/** Quality curves with only what the cost prediction reads (lengths, timing, one weighting). */
function curvesOf(completionTokens: number[][], measuredLimit: number): QualityCurves {
  return {
    completionTokens,
    sampling: { temperature: 1, topP: 1, maxTokens: measuredLimit },
    timing: { millisecondsPerPass: 2, millisecondsPerGeneratedToken: 0.5, millisecondsPerPrefillToken: 0.1 },
    weightings: [{ weights: { hash: 1 }, points: [] }],
  } as unknown as QualityCurves;
}

Deno.test("expected blockwise compute equals brute-force enumeration of the process", () => {
  // Two prompts' laws; 12 and 20 are above max_tokens 9 (cut there), the measured limit is 30.
  const laws = [[1, 3, 4, 12], [2, 5, 20]];
  const lengths = completionLengths({ completionTokens: laws, sampling: { maxTokens: 30 } });
  const cases: Process[] = [
    {
      k: 2,
      blockTokens: 2,
      maxBlocks: Infinity,
      params: { promptTokens: 3, maxTokens: 7, criteriaCount: 1 },
    },
    {
      k: 3,
      blockTokens: 3,
      maxBlocks: Infinity,
      params: { promptTokens: 5, maxTokens: 9, criteriaCount: 2 },
    },
    // Four candidates, max_tokens not a multiple of the block.
    {
      k: 4,
      blockTokens: 3,
      maxBlocks: Infinity,
      params: { promptTokens: 2, maxTokens: 8, criteriaCount: 1 },
    },
    { k: 2, blockTokens: 3, maxBlocks: 2, params: { promptTokens: 4, maxTokens: 9, criteriaCount: 1 } },
    {
      k: 1,
      blockTokens: 4,
      maxBlocks: Infinity,
      params: { promptTokens: 4, maxTokens: 9, criteriaCount: 1 },
    },
    {
      k: 3,
      blockTokens: 9,
      maxBlocks: Infinity,
      params: { promptTokens: 4, maxTokens: 9, criteriaCount: 1 },
    },
  ];
  for (const process of cases) {
    const { k, blockTokens, maxBlocks, params } = process;
    const reference = mean(laws.map((law) => enumerateBlockwise(law, process)));
    const predicted = expectedBlockwiseCost(params, k, blockTokens, maxBlocks, lengths);
    assertClose(predicted, reference, JSON.stringify({ k, blockTokens, maxBlocks, ...params }));
    // Lengths end early, so the prediction is below the max_tokens bound.
    const bound = blockwiseCost(params, k, blockTokens, maxBlocks);
    assert.ok(predicted.generatedTokens < bound.generatedTokens);
  }
});

Deno.test("predictAlignerCost predicts blockwise; with every length at max_tokens it is blockwiseCost", () => {
  const params = { promptTokens: 20, maxTokens: 50, criteriaCount: 2 };
  // Every measured response was cut at the measured limit: all count as running to max_tokens.
  const curves = curvesOf([[40, 40], [40, 40, 40]], 40);
  for (const blockwise of [{ k: 4, blockTokens: 16 }, { k: 2, blockTokens: 7, maxBlocks: 3 }]) {
    const predicted = predictAlignerCost(curves, { name: "blockwise", params: blockwise }, params, {
      hash: 1,
    })!;
    const exact = blockwiseCost(params, blockwise.k, blockwise.blockTokens, blockwise.maxBlocks);
    assertClose(predicted, exact, JSON.stringify(blockwise));
    const ms = 2 * exact.forwardPasses + 0.5 * exact.generatedTokens + 0.1 * exact.prefillTokens;
    assert.ok(Math.abs(predicted.milliseconds - ms) < 1e-9);
  }
  const varied = curvesOf([[1, 3, 4, 12], [2, 5, 20]], 30);
  const process = { k: 2, blockTokens: 3, maxBlocks: Infinity, params: { ...params, maxTokens: 9 } };
  assertClose(
    predictAlignerCost(varied, { name: "blockwise", params: { k: 2, blockTokens: 3 } }, process.params, {
      hash: 1,
    })!,
    mean([[1, 3, 4, 12], [2, 5, 20]].map((law) => enumerateBlockwise(law, process))),
    "varied",
  );
});

Deno.test("a committed-length law of its own: brute force, and the unbiased case is completionLengths", () => {
  const laws = [[1, 3, 4, 12], [2, 5, 20]];
  const committed = [[4, 12], [20, 3, 6]]; // scores that favour longer answers
  const sampling = { maxTokens: 30 };
  const lengths = completionLengths({ completionTokens: laws, sampling });
  const biased = committedLengths({ completionTokens: laws, sampling }, committed);
  const same = committedLengths({ completionTokens: laws, sampling }, laws);
  const cases: Process[] = [
    {
      k: 2,
      blockTokens: 2,
      maxBlocks: Infinity,
      params: { promptTokens: 3, maxTokens: 7, criteriaCount: 1 },
    },
    { k: 3, blockTokens: 3, maxBlocks: 2, params: { promptTokens: 5, maxTokens: 9, criteriaCount: 2 } },
    {
      k: 2,
      blockTokens: 4,
      maxBlocks: Infinity,
      params: { promptTokens: 6, maxTokens: 10, criteriaCount: 3 },
    },
  ];
  for (const process of cases) {
    const { k, blockTokens, maxBlocks, params } = process;
    const label = JSON.stringify({ k, blockTokens, maxBlocks, ...params });
    const reference = mean(laws.map((law, p) => enumerateCommitted(law, committed[p], process)));
    assertClose(expectedBlockwiseCost(params, k, blockTokens, maxBlocks, biased), reference, label);
    assertClose(
      expectedBlockwiseCost(params, k, blockTokens, maxBlocks, same),
      expectedBlockwiseCost(params, k, blockTokens, maxBlocks, lengths),
      `${label} unbiased`,
    );
    // Longer committed answers: more blocks, more tokens than the unbiased prediction.
    assert.ok(
      expectedBlockwiseCost(params, k, blockTokens, maxBlocks, biased).generatedTokens >
        expectedBlockwiseCost(params, k, blockTokens, maxBlocks, lengths).generatedTokens,
    );
  }
});

const hashCriterion: Criterion = {
  name: "hash",
  description: "test: a score that depends on the text only",
  kind: "verifiable",
  supportsPartial: true,
  score: (_prompt, candidates) =>
    Promise.resolve(Float64Array.from(candidates, (text) => (text.length * 7919) % 101)),
};

Deno.test("fixed-length runs on the real engine spend exactly the predicted compute", async () => {
  const model = await writeTestModel({ seed: 5 });
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1 });
  try {
    // A prompt per run, so that each starts with nothing of it in the engine's prefix cache (as predicted).
    for (
      const [prompt, maxTokens, options] of [
        ["A small model writes short answers", 10, { k: 3, blockTokens: 4 }],
        ["Stop strings end the text; the engine holds back", 9, { k: 2, blockTokens: 3, maxBlocks: 2 }],
        ["Continuous batching lets sequences join and leave", 12, { k: 2, blockTokens: 3 }],
      ] as const
    ) {
      const promptIds = model.tokenizer.encode(prompt);
      const aligner = createBlockwise(options);
      const { receipt } = await aligner.run({
        model: "m",
        promptIds,
        prompt,
        sampling: samplingParams({ temperature: 1, maxTokens, ignoreEos: true }),
        criteria: { weights: { hash: 1 } },
        calibrator: new Calibrator(undefined, { missing: "identity" }),
      }, { engine, criteria: new CriterionRegistry([hashCriterion]), rng: new Rng(3) });
      // Measured responses all cut at the measured limit: the law of a run that ignores EOS.
      const curves = curvesOf([[maxTokens, maxTokens]], maxTokens);
      const params = { promptTokens: promptIds.length, maxTokens, criteriaCount: 1 };
      const predicted = predictAlignerCost(curves, aligner, params, { hash: 1 })!;
      assert.equal(predicted.forwardPasses, receipt.compute.forwardPasses);
      assert.equal(predicted.prefillTokens, receipt.compute.prefillTokens);
      assert.equal(predicted.generatedTokens, receipt.compute.generatedTokens);
      assert.equal(predicted.rewardEvaluations, receipt.compute.rewardEvaluations);
      assert.deepEqual(
        { ...predicted, milliseconds: undefined },
        { ...aligner.estimateCost(params), milliseconds: undefined },
      );
    }
  } finally {
    await engine.close();
  }
});

Deno.test("predictAlignerCost: blockwise's measured runs replayed, their committed law past their limit", () => {
  const laws = [[1, 3, 4, 12], [2, 5, 20]];
  const committed = [[4, 12], [20, 3]];
  // Per prompt, run, block, candidate (blocks of 3; a block goes on only when its chosen one used all 3).
  const candidateTokens = [
    [[[3, 1], [1, 3]], [[3, 3], [3, 2], [3, 3], [3, 1]]],
    [[[3, 3], [3, 3], [2, 3], [3, 3], [3, 1], [3, 3], [2, 2]], [[3, 2]]],
  ];
  const curves = curvesOf(laws, 30);
  // Aggregates that make best-of-k commit to the shortest answer: far from the measured law.
  curves.weightings[0].aggregates = [[4, 3, 2, 1], [3, 2, 1]];
  curves.weightings[0].blockwise = [{ k: 2, blockTokens: 3, committedTokens: committed, candidateTokens }];
  const predict = (params: CostParams, aligner: Record<string, number> = { k: 2, blockTokens: 3 }) =>
    predictAlignerCost(curves, { name: "blockwise", params: aligner }, params, { hash: 1 })!;
  const params = { promptTokens: 3, maxTokens: 9, criteriaCount: 1 };
  // Limit 9: the blocks at 0, 3 and 6 tokens. By hand, per run (prompt p, run r), passes and tokens:
  // p0r0: 3 + 3, 4 + 4; p0r1: 3 + 3 + 3, 6 + 5 + 6; p1r0: 3 + 3 + 3, 6 + 6 + 5; p1r1: 3, 5.
  const byHand = {
    forwardPasses: ((6 + 9) / 2 + (9 + 3) / 2) / 2,
    // Blocks prefill 3 + 3b tokens, but from block 2 on (8 tokens of the previous block's chosen
    // candidate cached) only 1: runs of 2, 3, 3 and 1 blocks.
    prefillTokens: ((3 + 6 + (3 + 6 + 1)) / 2 + (3 + 6 + 1 + 3) / 2) / 2,
    generatedTokens: ((8 + 17) / 2 + (17 + 5) / 2) / 2,
    rewardEvaluations: ((2 * 2 + 3 * 2) / 2 + (3 * 2 + 1 * 2) / 2) / 2,
  };
  assertClose(predict(params), byHand, "replayed");
  assert.ok(
    Math.abs(
      predict(params).milliseconds -
        (2 * byHand.forwardPasses + 0.5 * byHand.generatedTokens + 0.1 * byHand.prefillTokens),
    ) < 1e-9,
  );
  // At most 2 blocks: the third block is not drawn.
  assert.equal(
    predict(params, { k: 2, blockTokens: 3, maxBlocks: 2 }).generatedTokens,
    (8 + 11) / 4 + (12 + 5) / 4,
  );
  // Longer than the measured runs (limit 30): their committed answers' length law.
  const long = { ...params, maxTokens: 40 };
  const process = { k: 2, blockTokens: 3, maxBlocks: Infinity, params: long };
  assertClose(
    predict(long),
    mean(laws.map((law, p) => enumerateCommitted(law, committed[p], process))),
    "past the measured limit",
  );
  // Another k or block size was not measured: best-of-k's chosen answer under the weighting.
  for (const other of [{ k: 3, blockTokens: 3 }, { k: 2, blockTokens: 4 }]) {
    assertClose(
      predictAlignerCost(curves, { name: "blockwise", params: other }, params, { hash: 1 })!,
      expectedBlockwiseCost(
        params,
        other.k,
        other.blockTokens,
        Infinity,
        chosenAnswerLengths(curves, curves.weightings[0], other.k),
      ),
      JSON.stringify(other),
    );
  }
});
