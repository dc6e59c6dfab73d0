import assert from "node:assert/strict";
import { aggregate, aggregateGradient, type Aggregator } from "./aggregators.ts";

function finiteDifferenceGradient(aggregator: Aggregator, values: number[], h = 1e-6): number[] {
  return values.map((_, k) => {
    const plus = values.map((v, i) => (i === k ? v + h : v));
    const minus = values.map((v, i) => (i === k ? v - h : v));
    return (aggregate(aggregator, plus) - aggregate(aggregator, minus)) / (2 * h);
  });
}

const aggregators: Aggregator[] = [
  { kind: "weighted_sum" },
  { kind: "weighted_sum", weights: [0.2, 0.5, 0.3] },
  { kind: "min" },
  { kind: "smooth_min", gamma: 0.5 },
  { kind: "smooth_min", gamma: 8, weights: [0.1, 0.6, 0.3] },
  { kind: "smooth_min", gamma: 200 },
];

Deno.test("aggregator gradients match finite differences", () => {
  for (const values of [[0.3, 0.8, 0.55], [-1.2, 0.4, 0.41], [2, 2.5, 1.9]]) {
    for (const aggregator of aggregators) {
      const gradient = aggregateGradient(aggregator, values);
      const numeric = finiteDifferenceGradient(aggregator, values);
      gradient.forEach((g, k) => {
        assert.ok(
          Math.abs(g - numeric[k]) < 1e-6,
          `${JSON.stringify(aggregator)} at ${values}: ${g} vs ${numeric[k]}`,
        );
      });
    }
  }
});

Deno.test("min's gradient selects the active task; ties split evenly", () => {
  assert.deepEqual([...aggregateGradient({ kind: "min" }, [0.9, 0.3, 0.6])], [0, 1, 0]);
  assert.deepEqual([...aggregateGradient({ kind: "min" }, [0.3, 0.9, 0.3, 0.5])], [0.5, 0, 0.5, 0]);
  assert.equal(aggregate({ kind: "min" }, [0.9, 0.3, 0.6]), 0.3);
});

Deno.test("weighted sum is Σ λ_k R_k; default λ = 1/K", () => {
  assert.ok(Math.abs(aggregate({ kind: "weighted_sum", weights: [0.25, 0.75] }, [4, 8]) - 7) < 1e-15);
  assert.deepEqual([...aggregateGradient({ kind: "weighted_sum" }, [1, 2, 3, 4])], [0.25, 0.25, 0.25, 0.25]);
});

Deno.test("smooth min: closed form at small γ, tends to min as γ grows, finite at huge γ, gradient sums to 1", () => {
  const values = [0.2, 0.7, 1.5];
  const expected = -Math.log((Math.exp(-0.4) + Math.exp(-1.4) + Math.exp(-3)) / 3) / 2;
  assert.ok(Math.abs(aggregate({ kind: "smooth_min", gamma: 2 }, values) - expected) < 1e-15);
  const sharp: Aggregator = { kind: "smooth_min", gamma: 1e6 };
  assert.ok(Math.abs(aggregate(sharp, values) - 0.2) < 1e-5);
  assert.deepEqual([...aggregateGradient(sharp, values)], [1, 0, 0]);
  assert.ok(
    Math.abs(aggregate({ kind: "smooth_min", gamma: 1e4 }, [1e3, 2e3]) - (1e3 + Math.log(2) / 1e4)) < 1e-9,
  );
  const gradient = aggregateGradient({ kind: "smooth_min", gamma: 3, weights: [1, 2, 3] }, values);
  assert.ok(Math.abs(gradient.reduce((a, b) => a + b, 0) - 1) < 1e-15);
});

Deno.test("aggregators reject mismatched weights, negative weights, γ ≤ 0 and non-finite values", () => {
  assert.throws(() => aggregate({ kind: "weighted_sum", weights: [1] }, [1, 2]), RangeError);
  assert.throws(() => aggregateGradient({ kind: "weighted_sum", weights: [1, -1] }, [1, 2]), RangeError);
  assert.throws(() => aggregate({ kind: "smooth_min", gamma: 0 }, [1, 2]), RangeError);
  assert.throws(() => aggregate({ kind: "min" }, [1, NaN]), RangeError);
  assert.throws(() => aggregate({ kind: "min" }, []), RangeError);
});
