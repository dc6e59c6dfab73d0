import assert from "node:assert/strict";
import { Rng } from "../models/random.ts";
import { type PlannerBudget, planWithCurves } from "./planner.ts";
import type { CurvePoint, QualityCurves } from "./quality_curves/mod.ts";

// Each prompt's responses all have the same length, so expected costs have a closed form:
// E[min(L, m)] = E[longest of n] = mean over prompts of min(L_p, m).
const PROMPT_LENGTHS = [20, 60, 100];
const TIMING = { millisecondsPerPass: 2, millisecondsPerPassPerCandidate: 0.5 };

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
  return {
    modelVersion: "v1",
    calibrationMethod: "z_score",
    sampling: { temperature: 1, topP: 1, maxTokens: 160 },
    samplesPerPrompt: 2,
    seed: 1,
    completionTokens: PROMPT_LENGTHS.map((length) => [length, length]),
    meanCompletionTokens: 60,
    timing: TIMING,
    weightings: [{ weights: { a: 1, b: 1 }, aggregator: "sum", rMax: 2, points }],
  };
}

/** Closed-form cost of a point for a request of prompt P = 5 tokens (one prefill pass) and `maxTokens`. */
function closedFormCost(point: CurvePoint, maxTokens: number) {
  const length = PROMPT_LENGTHS.reduce((sum, l) => sum + Math.min(l, maxTokens), 0) / PROMPT_LENGTHS.length;
  let [tokens, passes, ms] = [0, 0, 0];
  for (const { size, probability } of point.batches) {
    tokens += probability * size * length;
    passes += probability * length;
    ms += probability * length * (TIMING.millisecondsPerPass + TIMING.millisecondsPerPassPerCandidate * size);
  }
  return { tokens, passes, ms };
}

const candidatesOf = (p: CurvePoint) => (p.aligner === "rejection_sampling" ? p.params.maxDraws : p.params.n);

Deno.test("planner: brute force over every option picks the same one and it respects every budget field", () => {
  const rng = new Rng(11);
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
    assert.ok(Math.abs(decision.chosen.predicted.milliseconds - cost.ms) < 1e-9);
    assert.equal(decision.optionsFeasible, feasible.length);
  }
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

Deno.test("planner: each budget field alone limits the choice", () => {
  const curves = monotoneCurves();
  const shape = { promptTokens: 5, maxTokens: 128, criteriaCount: 1 };
  const plan = (budget: Partial<PlannerBudget>) =>
    planWithCurves(curves, { a: 1, b: 1 }, { type: "sum" }, shape, {
      maxCandidates: 8,
      maxGeneratedTokens: Infinity,
      ...budget,
    }).aligner.params.n;
  assert.equal(plan({}), 8);
  assert.equal(plan({ maxCandidates: 3 }), 3);
  // 60 expected tokens per candidate: 250 tokens allow 4.
  assert.equal(plan({ maxGeneratedTokens: 250 }), 4);
  // 60 passes · (2 + 0.5 n) ms: 300 ms allow n = 6.
  assert.equal(plan({ deadlineMs: 300 }), 6);
  const tooTight = planWithCurves(curves, { a: 1 }, { type: "sum" }, shape, {
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
