import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { aggregate, aggregateGradient, type Aggregator } from "./aggregators.ts";
import { combineFirstVariations, nonLinearRewards } from "./chain_rule.ts";
import {
  exactFirstVariationBestOfN,
  exactFirstVariationSoftBestOfN,
  exactValueBestOfN,
  exactValueSoftBestOfN,
} from "./exact_discrete.ts";
import { estimateTask } from "./task_estimate.ts";
import { expectation, simplexDirectionalDerivative, tiedRewards } from "./_testing.ts";

// Two criteria on six support points; task 1 = BoN_3 with r_1, task 2 = SoftBoN_0.3 with r_2.
const probabilities = Float64Array.of(0.1, 0.25, 0.15, 0.2, 0.1, 0.2);
const reward1 = Float64Array.of(0.9, 0.1, 0.5, 0.3, 0.7, 0.5);
const reward2 = Float64Array.of(0.0, 0.8, 0.4, 0.6, 0.2, 0.9);
const aggregators: Aggregator[] = [
  { kind: "weighted_sum", weights: [0.3, 0.7] },
  { kind: "smooth_min", gamma: 6 },
  { kind: "min" }, // the two task values differ here, so min is differentiable
];

Deno.test("chain rule of the exact first variations matches finite differences of g(R_1[π], R_2[π])", () => {
  const values = (
    p: Float64Array,
  ) => [exactValueBestOfN(p, reward1, 3), exactValueSoftBestOfN(p, reward2, 0.3)];
  for (const aggregator of aggregators) {
    const gradient = aggregateGradient(aggregator, values(probabilities));
    const combined = combineFirstVariations(gradient, [
      exactFirstVariationBestOfN(probabilities, reward1, 3),
      exactFirstVariationSoftBestOfN(probabilities, reward2, 0.3),
    ]);
    const centred = expectation(probabilities, combined);
    for (let y = 0; y < probabilities.length; y++) {
      const numeric = simplexDirectionalDerivative((p) => aggregate(aggregator, values(p)), probabilities, y);
      assert.ok(Math.abs(numeric - (combined[y] - centred)) < 1e-8, `${aggregator.kind} y=${y}`);
    }
  }
});

Deno.test("plug-in chain rule on a group is the first variation of g(R̂_1, R̂_2) at the empirical distribution", () => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 10; trial++) {
    const m = 8;
    const group1 = tiedRewards(m, rng);
    const group2 = Float64Array.from({ length: m }, () => rng.nextFloat());
    const empirical = new Float64Array(m).fill(1 / m);
    for (const aggregator of aggregators) {
      const result = nonLinearRewards(aggregator, [
        estimateTask({ kind: "best_of_n", n: 4 }, group1),
        estimateTask({ kind: "soft_best_of_n", tau: 0.3 }, group2),
      ]);
      const objective = (p: Float64Array) =>
        aggregate(aggregator, [exactValueBestOfN(p, group1, 4), exactValueSoftBestOfN(p, group2, 0.3)]);
      assert.ok(Math.abs(result.objective - objective(empirical)) < 1e-12);
      const mean = result.rewards.reduce((a, b) => a + b, 0) / m;
      for (let j = 0; j < m; j++) {
        const numeric = simplexDirectionalDerivative(objective, empirical, j);
        assert.ok(Math.abs(numeric - (result.rewards[j] - mean)) < 1e-7, `${aggregator.kind} j=${j}`);
      }
    }
  }
});

Deno.test("nonLinearRewards reports R̂, ∂g/∂R̂ and g; min follows the worst task only", () => {
  const result = nonLinearRewards({ kind: "min" }, [
    { value: 0.8, firstVariation: Float64Array.of(1, 2, 3) },
    { value: 0.2, firstVariation: Float64Array.of(6, 5, 4) },
  ]);
  assert.deepEqual([...result.taskValues], [0.8, 0.2]);
  assert.deepEqual([...result.gradient], [0, 1]);
  assert.deepEqual([...result.rewards], [6, 5, 4]);
  assert.equal(result.objective, 0.2);
});

Deno.test("combineFirstVariations rejects mismatched shapes", () => {
  assert.throws(() => combineFirstVariations([1], [Float64Array.of(1), Float64Array.of(2)]), RangeError);
  assert.throws(
    () => combineFirstVariations([0.5, 0.5], [Float64Array.of(1), Float64Array.of(2, 3)]),
    RangeError,
  );
  assert.throws(() => combineFirstVariations([], []), RangeError);
});
