import assert from "node:assert/strict";
import { Rng } from "../models/random.ts";
import { type PlannerBudget, planWithCurves } from "./planner.ts";
import type { CurvePoint, QualityCurves } from "./quality_curves/mod.ts";

// Each prompt's responses all have the same length, so expected costs have a closed form:
// E[min(L, m)] = E[longest of n] = mean over prompts of min(L_p, m).
const PROMPT_LENGTHS = [20, 60, 100];
const TIMING = {
  millisecondsPerPass: 2,
  millisecondsPerGeneratedToken: 0.5,
  millisecondsPerPrefillToken: 0.1,
};

function constructedCurves(rng: Rng): QualityCurves {
  const reward = () => Math.round(rng.nextFloat() * 100) / 100; // coarse: ties happen
  const points: CurvePoint[] = [];
  for (let n = 1; n <= 8; n++) {
    points.push({
      aligner: "best_of_n",
      params: { n },
      expectedReward: reward(),
      batches: [{ size: n, probability: 1 }],
    });
    if (n > 1) {
      points.push({
        aligner: "soft_best_of_n",
        params: { n, temperature: 0.5 },
        expectedReward: reward(),
        batches: [{ size: n, probability: 1 }],
      });
    }
  }
  for (const maxDraws of [4, 8, 12]) {
    const batches = Array.from({ length: Math.ceil(maxDraws / 4) }, (_, j) => ({
      size: Math.min(4, maxDraws - 4 * j),
      probability: j === 0 ? 1 : rng.nextFloat(),
    }));
    points.push({
      aligner: "rejection_sampling",
      params: { temperature: 1, rMax: 2, batchSize: 4, maxDraws },
      expectedReward: reward(),
      batches,
    });
  }
  points.push({ aligner: "blockwise", params: { k: 4, blockTokens: 16 }, expectedReward: reward() });
  // Every candidate of a block runs as far as the committed answer: block b has min(16, L − 16b) tokens.
  const blocks = (length: number) =>
    Array.from(
      { length: Math.ceil(length / 16) },
      (_, b) => new Array(4).fill(Math.min(16, length - 16 * b)),
    );
  const blockwise = [{
    k: 4,
    blockTokens: 16,
    committedTokens: PROMPT_LENGTHS.map((length) => [length, length]),
    candidateTokens: PROMPT_LENGTHS.map((length) => [blocks(length), blocks(length)]),
  }];
  return {
    modelVersion: "v1",
    calibrationMethod: "z_score",
    sampling: { temperature: 1, topP: 1, maxTokens: 160 },
    samplesPerPrompt: 2,
    seed: 1,
    completionTokens: PROMPT_LENGTHS.map((length) => [length, length]),
    meanCompletionTokens: 60,
    timing: TIMING,
    weightings: [{ weights: { a: 1, b: 1 }, aggregator: "sum", rMax: 2, blockwise, points }],
  };
}

/** Closed-form cost of a point for a request of prompt P = 5 tokens (prefilled once per batch) and `maxTokens`. */
function closedFormCost(point: CurvePoint, maxTokens: number) {
  const mean = (f: (length: number) => number) =>
    PROMPT_LENGTHS.reduce((sum, l) => sum + f(Math.min(l, maxTokens)), 0) / PROMPT_LENGTHS.length;
  const length = mean((l) => l);
  // Blockwise's replayed blocks (constructedCurves) add up to one batch of k answers of each prompt's length,
  // and its B = ⌈L/16⌉ blocks prefill 5, then 1 token each (the previous block's chosen candidate is cached).
  const blockwise = point.aligner === "blockwise";
  const batches = blockwise ? [{ size: point.params.k, probability: 1 }] : point.batches;
  let [tokens, passes, prefill] = [0, 0, 0];
  for (const { size, probability } of batches) {
    tokens += probability * size * length;
    passes += probability * length;
    prefill += probability * 5;
  }
  if (blockwise) {
    prefill = mean((l) => 5 + Math.ceil(l / 16) - 1);
  }
  const ms = TIMING.millisecondsPerPass * passes + TIMING.millisecondsPerGeneratedToken * tokens +
    TIMING.millisecondsPerPrefillToken * prefill;
  return { tokens, passes, prefill, ms };
}

const candidatesOf = (p: CurvePoint) =>
  p.aligner === "blockwise"
    ? p.params.k
    : p.aligner === "rejection_sampling"
    ? p.params.maxDraws
    : p.params.n;

Deno.test("planner: brute force over every option picks the same one and it respects every budget field", () => {
  const rng = new Rng(11);
  let blockwiseChosen = 0;
  for (let trial = 0; trial < 300; trial++) {
    const curves = constructedCurves(rng);
    const maxTokens = [16, 64, 128][trial % 3];
    const budget: PlannerBudget = {
      maxCandidates: 1 + rng.nextInt(12),
      maxGeneratedTokens: trial % 4 === 0 ? Infinity : maxTokens * (1 + rng.nextFloat() * 8),
      deadlineMs: trial % 5 === 0 ? undefined : 50 + rng.nextFloat() * 800,
    };
    const points = curves.weightings[0].points;
    const feasible = points.filter((point) => {
      const cost = closedFormCost(point, maxTokens);
      return candidatesOf(point) <= budget.maxCandidates && cost.tokens <= budget.maxGeneratedTokens + 1e-9 &&
        (budget.deadlineMs === undefined || cost.ms <= budget.deadlineMs + 1e-9);
    });
    const shape = { promptTokens: 5, maxTokens, criteriaCount: 2 };
    const decision = planWithCurves(curves, { a: 2, b: 2 }, { type: "sum" }, shape, budget);
    if (feasible.length === 0) {
      assert.match(decision.reason, /fastest/);
      continue;
    }
    const best = Math.max(...feasible.map((p) => p.expectedReward));
    const chosen = decision.chosen.point;
    assert.equal(chosen.expectedReward, best, `trial ${trial}: not the best feasible reward`);
    const cheapest = Math.min(
      ...feasible.filter((p) => p.expectedReward === best).map((p) => closedFormCost(p, maxTokens).tokens),
    );
    const cost = closedFormCost(chosen, maxTokens);
    assert.ok(Math.abs(cost.tokens - cheapest) < 1e-9, `trial ${trial}: a tie went to a costlier option`);
    assert.ok(candidatesOf(chosen) <= budget.maxCandidates);
    assert.ok(cost.tokens <= budget.maxGeneratedTokens + 1e-9);
    assert.ok(budget.deadlineMs === undefined || cost.ms <= budget.deadlineMs + 1e-9);
    assert.ok(Math.abs(decision.chosen.predicted.generatedTokens - cost.tokens) < 1e-9);
    assert.ok(Math.abs(decision.chosen.predicted.forwardPasses - cost.passes) < 1e-9);
    assert.ok(Math.abs(decision.chosen.predicted.prefillTokens - cost.prefill) < 1e-9);
    assert.ok(Math.abs(decision.chosen.predicted.milliseconds - cost.ms) < 1e-9);
    assert.equal(decision.optionsFeasible, feasible.length);
    if (chosen.aligner === "blockwise") blockwiseChosen++;
  }
  assert.ok(blockwiseChosen > 0, "the trials never exercised a blockwise choice");
});

/** Curves where reward grows with n, so each budget field is what stops the planner. */
function monotoneCurves(): QualityCurves {
  const curves = constructedCurves(new Rng(1));
  curves.weightings[0].points = Array.from({ length: 8 }, (_, k) => ({
    aligner: "best_of_n" as const,
    params: { n: k + 1 },
    expectedReward: Math.log(k + 1),
    batches: [{ size: k + 1, probability: 1 }],
  }));
  return curves;
}

/** A request of 5 prompt tokens, max_tokens 128, weighting a + b (sum). */
const SHAPE = { promptTokens: 5, maxTokens: 128, criteriaCount: 1 };

/** Plans {@link SHAPE} on `curves` within `budget` (unset fields: 8 candidates, no token limit). */
const plannerOn = (curves: QualityCurves) => (budget: Partial<PlannerBudget>) =>
  planWithCurves(curves, { a: 1, b: 1 }, { type: "sum" }, SHAPE, {
    maxCandidates: 8,
    maxGeneratedTokens: Infinity,
    ...budget,
  });

Deno.test("planner: each budget field alone limits the choice", () => {
  const curves = monotoneCurves();
  const plan = (budget: Partial<PlannerBudget>) => plannerOn(curves)(budget).aligner.params.n;
  assert.equal(plan({}), 8);
  assert.equal(plan({ maxCandidates: 3 }), 3);
  // 60 expected tokens per candidate: 250 tokens allow 4.
  assert.equal(plan({ maxGeneratedTokens: 250 }), 4);
  // 60 passes · 2 ms + 60 n tokens · 0.5 ms + 5 prompt tokens · 0.1 ms: 300.5 ms allow n = 6, 300 only 5.
  assert.equal(plan({ deadlineMs: 300.5 }), 6);
  assert.equal(plan({ deadlineMs: 300 }), 5);
  const tooTight = planWithCurves(curves, { a: 1 }, { type: "sum" }, SHAPE, {
    maxCandidates: 8,
    maxGeneratedTokens: Infinity,
    deadlineMs: 1,
  });
  assert.equal(tooTight.aligner.name, "plain_sampling");
  assert.match(tooTight.reason, /fastest/);
});

Deno.test("planner: rejection sampling only for a measured weighting with the sum aggregator", () => {
  const curves = constructedCurves(new Rng(3));
  for (const point of curves.weightings[0].points) {
    point.expectedReward = point.aligner === "rejection_sampling" ? 10 : 0;
  }
  const shape = { promptTokens: 5, maxTokens: 64, criteriaCount: 2 };
  const budget = { maxCandidates: 16, maxGeneratedTokens: Infinity };
  const exact = planWithCurves(curves, { a: 1, b: 1 }, { type: "sum" }, shape, budget);
  assert.equal(exact.aligner.name, "rejection_sampling");
  assert.equal(exact.aligner.params.rMax, 2);
  const near = planWithCurves(curves, { a: 2, b: 1 }, { type: "sum" }, shape, budget);
  assert.notEqual(near.aligner.name, "rejection_sampling");
  assert.ok(Math.abs(near.weighting.distance - 1 / 3) < 1e-12);
  const min = planWithCurves(curves, { a: 1, b: 1 }, { type: "min" }, shape, budget);
  assert.notEqual(min.aligner.name, "rejection_sampling");
});

// Blockwise runs (k = 4, 16-token blocks) measured up to 160 tokens: per prompt, per run, per block, per
// candidate, the tokens generated. Prompt 0 has two runs (committed 20 and 12 tokens), prompts 1 and 2 one.
const BLOCKWISE_RUNS = [
  [[[16, 16, 5, 16], [4, 16, 2, 9]], [[12, 16, 16, 7]]],
  [[[16, 16, 16, 16], [16, 10, 16, 16], [16, 16, 16, 16], [12, 16, 16, 3]]],
  [[...Array.from({ length: 6 }, () => [16, 16, 16, 16]), [4, 16, 16, 16]]],
];
// Replayed by hand for max_tokens 128 (every run fits): passes = Σ blocks' longest candidate, tokens = Σ all.
//   prompt 0: runs (16 + 16, 53 + 31) and (16, 51) → passes 24, tokens 67.5
//   prompt 1: passes 4 · 16 = 64, tokens 64 + 58 + 64 + 47 = 233
//   prompt 2: passes 7 · 16 = 112, tokens 6 · 64 + 52 = 436
// Block b prefills the prompt (5 tokens) and the 16·b committed, of which the previous block's chosen
// candidate holds all but one in the prefix cache (20 tokens and more): a run of B blocks prefills 5, then 1
// per block, so prompt 0 (5 + 1 and 5) → 5.5, prompt 1 5 + 3 = 8, prompt 2 5 + 6 = 11.
const BLOCKWISE_PASSES = (24 + 64 + 112) / 3;
const BLOCKWISE_TOKENS = (67.5 + 233 + 436) / 3; // 245.5
const BLOCKWISE_PREFILL = (5.5 + 8 + 11) / 3;
const BLOCKWISE_MS = TIMING.millisecondsPerPass * BLOCKWISE_PASSES +
  TIMING.millisecondsPerGeneratedToken * BLOCKWISE_TOKENS +
  TIMING.millisecondsPerPrefillToken * BLOCKWISE_PREFILL;

/** Best-of-N with reward growing in N, and blockwise decoding (k = 4) tabulated above all of them. */
function curvesWithBlockwise(): QualityCurves {
  const curves = monotoneCurves();
  const weighting = curves.weightings[0];
  weighting.blockwise = [{
    k: 4,
    blockTokens: 16,
    committedTokens: [[20, 12], [60], [100]],
    candidateTokens: BLOCKWISE_RUNS,
    rewards: [[3, 2], [3], [3]],
  }];
  weighting.points.push({ aligner: "blockwise", params: { k: 4, blockTokens: 16 }, expectedReward: 3 });
  return curves;
}

Deno.test("planner: blockwise is chosen when its tabulated reward is the highest feasible, priced by its replay", () => {
  const plan = plannerOn(curvesWithBlockwise());
  const chosen = plan({});
  assert.equal(chosen.aligner.name, "blockwise");
  assert.deepEqual(chosen.aligner.params, { k: 4, blockTokens: 16 });
  assert.equal(chosen.chosen.candidates, 4);
  assert.equal(chosen.optionsConsidered, 9);
  assert.ok(Math.abs(chosen.chosen.predicted.generatedTokens - BLOCKWISE_TOKENS) < 1e-9);
  assert.ok(Math.abs(chosen.chosen.predicted.forwardPasses - BLOCKWISE_PASSES) < 1e-9);
  assert.ok(Math.abs(chosen.chosen.predicted.prefillTokens - BLOCKWISE_PREFILL) < 1e-9);
  assert.ok(Math.abs(chosen.chosen.predicted.milliseconds - BLOCKWISE_MS) < 1e-9);
  // Blocks per run 2, 1, 4, 7 → mean over prompts of (1.5, 4, 7) blocks · k scorings.
  assert.ok(Math.abs(chosen.chosen.predicted.rewardEvaluations - 4 * (1.5 + 4 + 7) / 3) < 1e-9);
  // At its predicted cost it still fits (up to the replay's rounding).
  assert.equal(
    plan({ maxCandidates: 4, maxGeneratedTokens: BLOCKWISE_TOKENS + 1e-9 }).aligner.name,
    "blockwise",
  );
  assert.equal(plan({ deadlineMs: BLOCKWISE_MS + 1e-6 }).aligner.name, "blockwise");

  // max_candidates below k: the best best-of-N within it (each candidate 60 tokens, reward log N).
  assert.deepEqual(plan({ maxCandidates: 3 }).aligner.params, { n: 3 });
  // A token budget just below blockwise's predicted 245.5: best-of-4 (240 tokens) is the best left.
  const tokens = plan({ maxGeneratedTokens: BLOCKWISE_TOKENS - 0.5 });
  assert.deepEqual([tokens.aligner.name, tokens.aligner.params], ["best_of_n", { n: 4 }]);
  // A deadline just below its predicted ms (256.9): 60 passes · 2 + 60 n tokens · 0.5 + 5 prompt tokens · 0.1 ms
  // allow n = 4 (240.5 ms).
  assert.ok(Math.abs(BLOCKWISE_MS - 256.9) < 1e-4);
  const deadline = plan({ deadlineMs: BLOCKWISE_MS - 0.1 });
  assert.deepEqual([deadline.aligner.name, deadline.aligner.params], ["best_of_n", { n: 4 }]);
});

Deno.test("planner: blockwise loses to a better-tabulated option and is offered for a near weighting", () => {
  const curves = curvesWithBlockwise();
  curves.weightings[0].points.at(-1)!.expectedReward = Math.log(8) - 0.01;
  assert.deepEqual(plannerOn(curves)({}).aligner.params, { n: 8 });
  curves.weightings[0].points.at(-1)!.expectedReward = Math.log(8) + 0.01;
  const budget = { maxCandidates: 8, maxGeneratedTokens: Infinity };
  const near = planWithCurves(curves, { a: 3, b: 1 }, { type: "min" }, SHAPE, budget);
  assert.equal(near.aligner.name, "blockwise");
  assert.ok(near.weighting.distance > 0);
});
