/** `auto` with quality curves through planAlignment and the wire receipt. */
import assert from "node:assert/strict";
import { createBuiltinCriteria, CriterionRegistry } from "../aligners/criteria/mod.ts";
import type { QualityCurves } from "../aligners/mod.ts";
import { AlignmentReceiptSchema, planAlignment, wireReceipt } from "./alignment_schema.ts";

const registry = new CriterionRegistry(createBuiltinCriteria());
const shape = { promptTokens: 4, maxTokens: 100 };

// Every response is 40 tokens long; best-of-N's expected reward grows with N, soft best-of-N's does
// not, and rejection sampling looks best but is only allowed for an exactly measured weighting.
const curves: QualityCurves = {
  modelVersion: "v1",
  calibrationMethod: "z_score",
  sampling: { temperature: 1, topP: 1, maxTokens: 160 },
  samplesPerPrompt: 2,
  seed: 1,
  completionTokens: [[40, 40]],
  meanCompletionTokens: 40,
  timing: { millisecondsPerPass: 1, millisecondsPerGeneratedToken: 0, millisecondsPerPrefillToken: 0 },
  weightings: [{
    weights: { length: 1 },
    aggregator: "sum",
    rMax: 1,
    points: [
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({
        aligner: "best_of_n" as const,
        params: { n },
        expectedReward: Math.log(n),
        batches: [{ size: n, probability: 1 }],
      })),
      {
        aligner: "soft_best_of_n" as const,
        params: { n: 2, temperature: 1 },
        expectedReward: 0,
        batches: [{ size: 2, probability: 1 }],
      },
      {
        aligner: "rejection_sampling" as const,
        params: { temperature: 1, rMax: 1, batchSize: 4, maxDraws: 8 },
        expectedReward: 9,
        batches: [{ size: 4, probability: 1 }, { size: 4, probability: 0.5 }],
      },
    ],
  }],
};

Deno.test("planAlignment: auto plans with the quality curves and the expected cost", () => {
  const plan = planAlignment(
    { criteria: { length: 2 }, budget: { max_generated_tokens: 250, max_candidates: 8 } },
    shape,
    registry,
    curves,
  );
  // Rejection: 4 + 0.5·4 = 6 expected candidates · 40 tokens = 240 ≤ 250 (its upper bound, 800, is not).
  assert.equal(plan.aligner.name, "rejection_sampling");
  assert.equal(plan.chosenBy, "planner");
  assert.equal(plan.predicted?.generatedTokens, 240);
  assert.equal(plan.cost.generatedTokens, 800);
  const smaller = planAlignment(
    { criteria: { length: 1, sentiment: 1 }, budget: { max_generated_tokens: 250 } },
    shape,
    registry,
    curves,
  );
  // Not a measured weighting: no rejection; 6 candidates · 40 = 240 tokens.
  assert.deepEqual([smaller.aligner.name, smaller.aligner.params], ["best_of_n", { n: 6 }]);
  assert.equal(smaller.planner?.weighting.distance, 1);
});

Deno.test("planAlignment: without curves auto keeps the upper-bound rule; requested aligners get a prediction", () => {
  const fallback = planAlignment(
    { criteria: { length: 1 }, budget: { max_generated_tokens: 250 } },
    shape,
    registry,
  );
  assert.deepEqual(fallback.aligner.params, { n: 2 });
  assert.equal(fallback.predicted, undefined);
  const requested = planAlignment(
    { criteria: { length: 1 }, aligner: "best_of_n", n: 3 },
    shape,
    registry,
    curves,
  );
  assert.equal(requested.chosenBy, "request");
  assert.equal(requested.predicted?.generatedTokens, 120);
});

Deno.test("wireReceipt: the plan says why auto chose what it chose; calibration names its file", () => {
  const plan = planAlignment(
    { criteria: { length: 1 }, budget: { max_candidates: 4 } },
    shape,
    registry,
    curves,
  );
  const receipt = {
    aligner: plan.aligner.name,
    params: { ...plan.aligner.params },
    modelVersion: "v1",
    seeds: [1],
    candidates: 4,
    chosen: 0,
    compute: {
      prefillTokens: 4,
      generatedTokens: 160,
      forwardPasses: 40,
      milliseconds: 40,
      rewardEvaluations: 4,
      wallMilliseconds: 41,
    },
  };
  const wire = wireReceipt(receipt, plan, {
    seed: 1,
    deadlineExceeded: false,
    calibration: {
      method: "z_score",
      modelVersion: "v1",
      uncalibrated: [],
      file: "default/calibration.json",
    },
  });
  AlignmentReceiptSchema.parse(wire);
  assert.equal(wire.calibration.file, "default/calibration.json");
  assert.equal(wire.plan?.rule, "quality_curves");
  assert.equal(wire.plan?.expected_aggregate, Math.round(Math.log(4) * 1000) / 1000);
  assert.deepEqual(wire.plan?.predicted_compute, {
    prefill_tokens: 4,
    generated_tokens: 160,
    forward_passes: 40,
    reward_evaluations: 4,
    milliseconds: 40,
  });
  assert.match(String(wire.parameters.planner), /highest expected aggregate/);
});

Deno.test("planAlignment: auto may choose blockwise decoding; the receipt shows its plan and blocks", () => {
  // One prompt, one measured run (k = 4, 16-token blocks) committing 40 tokens: blocks of 16, 16 and 8 tokens
  // for the chosen candidate. Replayed for max_tokens 100: passes 16 + 16 + 16, tokens 64 + 64 + 56.
  const withBlockwise: QualityCurves = {
    ...curves,
    weightings: [{
      ...curves.weightings[0],
      blockwise: [{
        k: 4,
        blockTokens: 16,
        committedTokens: [[40]],
        candidateTokens: [[[[16, 16, 16, 16], [16, 16, 16, 16], [8, 16, 16, 16]]]],
        rewards: [[20]],
      }],
      points: [
        ...curves.weightings[0].points,
        { aligner: "blockwise", params: { k: 4, blockTokens: 16 }, expectedReward: 20 },
      ],
    }],
  };
  const spec = { criteria: { length: 1 }, budget: { max_generated_tokens: 250, max_candidates: 8 } };
  const plan = planAlignment(spec, shape, registry, withBlockwise);
  assert.deepEqual([plan.aligner.name, plan.aligner.params], ["blockwise", { k: 4, blockTokens: 16 }]);
  assert.equal(plan.chosenBy, "planner");
  assert.deepEqual(plan.predicted, {
    forwardPasses: 48,
    // The prompt, then the 20-token prompt (19 cached: 4 + 15 of the previous block's chosen candidate
    // but its last token) and the 36-token one (35 cached): one new token each.
    prefillTokens: 4 + 1 + 1,
    generatedTokens: 184,
    rewardEvaluations: 12,
    milliseconds: 48,
  });
  assert.equal(plan.cost.generatedTokens, 400); // upper bound: 4 candidates of every block to max_tokens
  // k above max_candidates, or a budget below its predicted 184 tokens: something else.
  assert.notEqual(
    planAlignment(
      { ...spec, budget: { max_generated_tokens: 250, max_candidates: 3 } },
      shape,
      registry,
      withBlockwise,
    )
      .aligner.name,
    "blockwise",
  );
  assert.notEqual(
    planAlignment({ ...spec, budget: { max_generated_tokens: 183 } }, shape, registry, withBlockwise).aligner
      .name,
    "blockwise",
  );

  // A receipt as blockwise decoding writes it (3 blocks of 4 candidates, the last block's pick chosen).
  const receipt = {
    aligner: plan.aligner.name,
    params: { ...plan.aligner.params },
    modelVersion: "v1",
    seeds: [1, 1, 1],
    candidates: 12,
    chosen: 8,
    compute: {
      prefillTokens: 4 + 20 + 36,
      generatedTokens: 184,
      forwardPasses: 48,
      milliseconds: 48,
      rewardEvaluations: 12,
      wallMilliseconds: 50,
    },
    details: {
      blocks: 3,
      chosenPerBlock: [0, 0, 0],
      candidateTokensPerBlock: [[16, 16, 16, 16], [16, 16, 16, 16], [8, 16, 16, 16]],
    },
  };
  const wire = wireReceipt(receipt, plan, {
    seed: 1,
    deadlineExceeded: false,
    calibration: { method: "z_score", modelVersion: "v1", uncalibrated: [] },
  });
  AlignmentReceiptSchema.parse(wire);
  assert.equal(wire.aligner, "blockwise");
  assert.equal(wire.requested_aligner, "auto");
  assert.deepEqual(wire.parameters, {
    k: 4,
    block_tokens: 16,
    planner: "auto: the highest expected aggregate within the budget (quality curves)",
  });
  assert.equal(wire.plan?.expected_aggregate, 20);
  assert.equal(wire.plan?.predicted_compute.generated_tokens, 184);
  assert.deepEqual(wire.details?.chosen_per_block, [0, 0, 0]);
});
