/**
 * Blockwise decoding's prediction with the chosen answer's length law (predict.ts `chosenAnswerLengths`,
 * `predictAlignerCost`) against an independent reference: the committed law built by enumerating every
 * k-subset of a small synthetic pool and taking the real choice rule's pick (aligners/choice.ts), fed as a
 * plain list of lengths to the uniform `committedLengths` (itself checked against brute force in
 * aligners/blockwise_cost_test.ts).
 */
import assert from "node:assert/strict";
import type { Cost } from "../aligner.ts";
import { argmaxIndex } from "../choice.ts";
import { expectedBlockwiseCost } from "../cost.ts";
import { chosenAnswerLengths, committedLengths, completionLengths, predictAlignerCost } from "./predict.ts";
import type { QualityCurves } from "./store.ts";

const completionTokens = [[3, 9, 14, 2, 30, 7], [5, 5, 12, 20, 1]];
const aggregates = [[0.2, 1.1, 1.1, -0.4, 2.0, null], [0.3, -1, 0.9, 0.1, 0.3]];
const sampling = { temperature: 1, topP: 1, maxTokens: 30 };

/** Each k-subset's chosen length (argmax of the aggregates; ties to the first drawn, in every order). */
function chosenByEnumeration(lengths: number[], values: (number | null)[], k: number): number[] {
  const chosen: number[] = [];
  const visit = (prefix: number[]) => {
    if (prefix.length === k) {
      chosen.push(lengths[prefix[argmaxIndex(prefix.map((i) => values[i] ?? NaN))]]);
      return;
    }
    for (let i = 0; i < lengths.length; i++) if (!prefix.includes(i)) visit([...prefix, i]);
  };
  visit([]);
  return chosen;
}

function curvesWith(weightings: QualityCurves["weightings"]): QualityCurves {
  return {
    modelVersion: "v",
    calibrationMethod: "z_score",
    sampling,
    samplesPerPrompt: 6,
    seed: 1,
    completionTokens,
    meanCompletionTokens: 0,
    timing: { millisecondsPerPass: 2, millisecondsPerGeneratedToken: 0.5, millisecondsPerPrefillToken: 0 },
    weightings,
  };
}

const weighting = (weights: Record<string, number>, values?: (number | null)[][]) => ({
  weights,
  aggregator: "sum" as const,
  rMax: 2,
  ...(values ? { aggregates: values } : {}),
  points: [{
    aligner: "best_of_n" as const,
    params: { n: 1 },
    expectedReward: 0,
    batches: [{ size: 1, probability: 1 }],
  }],
});

function assertClose(actual: Cost, expected: Cost, message: string) {
  for (const key of ["forwardPasses", "generatedTokens", "rewardEvaluations"] as const) {
    assert.ok(
      Math.abs(actual[key] - expected[key]) < 1e-9,
      `${message} ${key}: ${actual[key]} vs ${expected[key]}`,
    );
  }
}

const cases = [
  { k: 2, blockTokens: 4, params: { promptTokens: 5, maxTokens: 24, criteriaCount: 1 } },
  {
    k: 3,
    blockTokens: 5,
    params: { promptTokens: 9, maxTokens: 40, criteriaCount: 2 },
  },
  { k: 5, blockTokens: 16, params: { promptTokens: 3, maxTokens: 128, criteriaCount: 1 } },
];

Deno.test("blockwise with the chosen answer's law equals the law enumerated over k-subsets", () => {
  const curves = curvesWith([weighting({ a: 1 }, aggregates)]);
  for (const { k, blockTokens, params } of cases) {
    const enumerated = completionTokens.map((lengths, p) => chosenByEnumeration(lengths, aggregates[p], k));
    const reference = expectedBlockwiseCost(
      params,
      k,
      blockTokens,
      Infinity,
      committedLengths(curves, enumerated),
    );
    const label = JSON.stringify({ k, blockTokens, ...params });
    const law = chosenAnswerLengths(curves, curves.weightings[0], k);
    assertClose(expectedBlockwiseCost(params, k, blockTokens, Infinity, law), reference, label);
    const predicted = predictAlignerCost(curves, { name: "blockwise", params: { k, blockTokens } }, params, {
      a: 2,
    })!;
    assertClose(predicted, reference, `${label} predictAlignerCost`);
    assert.ok(
      Math.abs(predicted.milliseconds - (2 * predicted.forwardPasses + 0.5 * predicted.generatedTokens)) <
        1e-9,
    );
  }
});

Deno.test("weighted committed laws equal the same laws written out with multiplicities", () => {
  const curves = { completionTokens, sampling };
  const weights = [[2, 0, 1, 3, 1, 1], [1, 4, 0, 2, 1]];
  const expanded = completionTokens.map((lengths, p) =>
    lengths.flatMap((l, i) => new Array(weights[p][i]).fill(l))
  );
  for (const { k, blockTokens, params } of cases) {
    assertClose(
      expectedBlockwiseCost(
        params,
        k,
        blockTokens,
        Infinity,
        committedLengths(curves, completionTokens, weights),
      ),
      expectedBlockwiseCost(params, k, blockTokens, Infinity, committedLengths(curves, expanded)),
      JSON.stringify({ k, blockTokens }),
    );
  }
  assert.throws(() => committedLengths(curves, completionTokens, [[1], [1]]), /weights for/);
});

Deno.test("the nearest weighting's aggregates decide; tied or missing aggregates give the random-candidate law", () => {
  const longer = completionTokens.map((lengths) => lengths.map((l) => l)); // longer answers score higher
  const shorter = completionTokens.map((lengths) => lengths.map((l) => -l));
  const tied = completionTokens.map((lengths) => lengths.map(() => 0));
  const curves = curvesWith([
    weighting({ a: 1 }, longer),
    weighting({ b: 1 }, shorter),
    weighting({ c: 1 }, tied),
  ]);
  const without = curvesWith([weighting({ a: 1 })]);
  const aligner = { name: "blockwise", params: { k: 3, blockTokens: 4 } };
  const params = cases[0].params;
  const tokens = (c: QualityCurves, weights: Record<string, number>) =>
    predictAlignerCost(c, aligner, params, weights)!.generatedTokens;
  const random = expectedBlockwiseCost(params, 3, 4, Infinity, completionLengths(curves)).generatedTokens;
  assert.ok(tokens(curves, { a: 1 }) > random && tokens(curves, { b: 1 }) < random);
  assert.ok(Math.abs(tokens(curves, { c: 1 }) - random) < 1e-9);
  assert.ok(Math.abs(tokens(without, { a: 1 }) - random) < 1e-9);
});
