import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { type TaskDistribution, TaskSampler } from "./task_sampler.ts";
import { TaskSpecError } from "./task_spec.ts";

const dirichlet: TaskDistribution = {
  criterionWeights: { kind: "dirichlet", criteria: ["helpful", "brief", "kind"], alpha: [2, 1, 1] },
  aligners: [
    { aligner: { kind: "best_of_n", n: 4 }, weight: 2 },
    { aligner: { kind: "soft_best_of_n", n: 8, tau: 0.5 }, weight: 1 },
    { aligner: { kind: "identity" }, weight: 1 },
  ],
};

Deno.test("Dirichlet task weights: named criteria on the simplex with means α_i/α0; aligner mix frequencies", () => {
  const sampler = new TaskSampler(dirichlet);
  const tasks = sampler.sampleMany(8000, new Rng(12));
  const kinds = { best_of_n: 0, soft_best_of_n: 0, identity: 0 };
  let helpful = 0;
  for (const task of tasks) {
    const weights = Object.values(task.criterionWeights);
    assert.deepEqual(Object.keys(task.criterionWeights), ["helpful", "brief", "kind"]);
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    helpful += task.criterionWeights.helpful;
    kinds[task.aligner.kind]++;
  }
  // E[w_helpful] = 2/4, sd of one draw √(2·2/(16·5)) ≈ 0.224 → SE ≈ 0.0025.
  assert.ok(Math.abs(helpful / tasks.length - 0.5) < 0.01);
  // Binomial SEs ≈ 0.0056 (p = ½) and 0.0048 (p = ¼).
  assert.ok(Math.abs(kinds.best_of_n / tasks.length - 0.5) < 0.025);
  assert.ok(Math.abs(kinds.soft_best_of_n / tasks.length - 0.25) < 0.02);
  assert.ok(Math.abs(kinds.identity / tasks.length - 0.25) < 0.02);
});

Deno.test("grid task weights: only grid points, drawn with the given probabilities", () => {
  const points = [{ a: 1, b: 0 }, { a: 0.5, b: 0.5 }, { a: 0, b: 1 }];
  const sampler = new TaskSampler({
    criterionWeights: { kind: "grid", points, probabilities: [0.2, 0, 0.8] },
    aligners: [{ aligner: { kind: "best_of_n", n: 2 }, weight: 1 }],
  });
  let first = 0;
  const tasks = sampler.sampleMany(5000, new Rng(4));
  for (const task of tasks) {
    assert.ok(task.criterionWeights.a === 1 || task.criterionWeights.a === 0); // the 0-probability point never
    if (task.criterionWeights.a === 1) first++;
  }
  assert.ok(Math.abs(first / tasks.length - 0.2) < 0.025); // SE ≈ 0.0057
});

Deno.test("task sampling is reproducible by seed and hands out copies", () => {
  const sampler = new TaskSampler(dirichlet);
  const once = sampler.sampleMany(20, new Rng(99));
  assert.deepEqual(sampler.sampleMany(20, new Rng(99)), once);
  assert.notDeepEqual(sampler.sampleMany(20, new Rng(100)), once);
  const task = sampler.sample(new Rng(1));
  (task.aligner as { n?: number }).n = 1000;
  assert.ok(sampler.sampleMany(50, new Rng(2)).every((t) => !("n" in t.aligner) || t.aligner.n !== 1000));
});

Deno.test("invalid task distributions fail at construction with TaskSpecError", () => {
  const aligners = dirichlet.aligners;
  const bad: TaskDistribution[] = [
    { criterionWeights: { kind: "dirichlet", criteria: [], alpha: 1 }, aligners },
    { criterionWeights: { kind: "dirichlet", criteria: ["a", "a"], alpha: 1 }, aligners },
    { criterionWeights: { kind: "dirichlet", criteria: ["a", "b"], alpha: [1] }, aligners },
    { criterionWeights: { kind: "dirichlet", criteria: ["a"], alpha: 0 }, aligners },
    { criterionWeights: { kind: "grid", points: [] }, aligners },
    { criterionWeights: { kind: "grid", points: [{ a: NaN }] }, aligners },
    { criterionWeights: { kind: "grid", points: [{ a: 1 }], probabilities: [0] }, aligners },
    { criterionWeights: { kind: "grid", points: [{ a: 1 }] }, aligners: [] },
    {
      criterionWeights: { kind: "grid", points: [{ a: 1 }] },
      aligners: [{ aligner: { kind: "identity" }, weight: -1 }],
    },
    {
      criterionWeights: { kind: "grid", points: [{ a: 1 }] },
      aligners: [{ aligner: { kind: "best_of_n", n: 0 }, weight: 1 }],
    },
  ];
  for (const distribution of bad) {
    assert.throws(() => new TaskSampler(distribution), TaskSpecError, JSON.stringify(distribution));
  }
});
