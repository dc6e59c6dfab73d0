import assert from "node:assert/strict";
import { firstVariationBestOfN, pluginValueBestOfN } from "./best_of_n.ts";
import { nonLinearGroupRewards } from "./group_rewards.ts";
import { firstVariationSoftBestOfN, pluginValueSoftBestOfN } from "./soft_best_of_n.ts";
import { estimateTask } from "./task_estimate.ts";
import {
  describeAligner,
  taskRewards,
  type TaskSpec,
  TaskSpecError,
  validateAligner,
  validateTaskSpec,
} from "./task_spec.ts";

const scores = { helpful: [0.9, 0.2, 0.5, 0.7], brief: [0.1, 0.8, 0.4, 0.3] };

Deno.test("taskRewards is the weighted sum of the named criteria's scores", () => {
  const task: TaskSpec = { criterionWeights: { helpful: 0.6, brief: 0.4 }, aligner: { kind: "identity" } };
  const rewards = taskRewards(task, scores);
  rewards.forEach((r, j) =>
    assert.ok(Math.abs(r - (0.6 * scores.helpful[j] + 0.4 * scores.brief[j])) < 1e-15)
  );
});

Deno.test("taskRewards rejects unknown criteria and mismatched group sizes", () => {
  const unknown: TaskSpec = { criterionWeights: { polite: 1 }, aligner: { kind: "identity" } };
  assert.throws(() => taskRewards(unknown, scores), TaskSpecError);
  const both: TaskSpec = { criterionWeights: { helpful: 1, brief: 1 }, aligner: { kind: "identity" } };
  assert.throws(() => taskRewards(both, { helpful: [1, 2], brief: [1] }), TaskSpecError);
});

Deno.test("aligner and task validation", () => {
  validateAligner({ kind: "soft_best_of_n", tau: 1 });
  validateAligner({ kind: "soft_best_of_n", n: 4, tau: 1 });
  for (
    const aligner of [{ kind: "best_of_n", n: 2.5 }, { kind: "soft_best_of_n", n: 0, tau: 1 }, {
      kind: "beam",
    }]
  ) {
    assert.throws(() => validateAligner(aligner as never), TaskSpecError, JSON.stringify(aligner));
  }
  assert.throws(
    () => validateTaskSpec({ criterionWeights: { a: Infinity }, aligner: { kind: "identity" } }),
    TaskSpecError,
  );
  assert.equal(describeAligner({ kind: "best_of_n", n: 8 }), "BoN_8");
  assert.equal(describeAligner({ kind: "identity" }), "identity");
});

Deno.test("estimateTask dispatches on the aligner; identity and BoN_1 give plain GRPO rewards", () => {
  const rewards = [0.4, 0.1, 0.4, 0.9];
  const plain = estimateTask({ kind: "identity" }, rewards);
  assert.deepEqual([...plain.firstVariation], rewards);
  assert.equal(plain.value, 0.45);
  assert.deepEqual(estimateTask({ kind: "best_of_n", n: 1 }, rewards).firstVariation, plain.firstVariation);
  const bestOf3 = estimateTask({ kind: "best_of_n", n: 3 }, rewards);
  assert.deepEqual(bestOf3, {
    value: pluginValueBestOfN(rewards, 3),
    firstVariation: firstVariationBestOfN(rewards, 3),
  });
  const soft = estimateTask({ kind: "soft_best_of_n", n: 16, tau: 0.2 }, rewards);
  assert.deepEqual(soft, {
    value: pluginValueSoftBestOfN(rewards, 0.2),
    firstVariation: firstVariationSoftBestOfN(rewards, 0.2),
  });
});

Deno.test("nonLinearGroupRewards: one plain task reduces to GRPO rewards; several tasks follow the chain rule", () => {
  const plain = nonLinearGroupRewards(
    [{ criterionWeights: { helpful: 1 }, aligner: { kind: "identity" } }],
    { kind: "weighted_sum" },
    scores,
  );
  assert.deepEqual([...plain.rewards], scores.helpful);
  const tasks: TaskSpec[] = [
    { criterionWeights: { helpful: 1 }, aligner: { kind: "best_of_n", n: 4 } },
    { criterionWeights: { helpful: 0.5, brief: 0.5 }, aligner: { kind: "soft_best_of_n", tau: 0.1 } },
  ];
  const group = nonLinearGroupRewards(tasks, { kind: "smooth_min", gamma: 4 }, scores);
  const first = firstVariationBestOfN(scores.helpful, 4);
  const second = firstVariationSoftBestOfN(
    scores.helpful.map((h, j) => 0.5 * h + 0.5 * scores.brief[j]),
    0.1,
  );
  assert.equal(group.taskEstimates.length, 2);
  group.rewards.forEach((r, j) => {
    assert.ok(Math.abs(r - (group.gradient[0] * first[j] + group.gradient[1] * second[j])) < 1e-15);
  });
  assert.ok(Math.abs(group.gradient[0] + group.gradient[1] - 1) < 1e-15);
});
