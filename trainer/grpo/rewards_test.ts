import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { choosePrompts, type GrpoStepDetails } from "./grpo_step.ts";
import { fillNotApplicable, groupAdvantages } from "./rewards.ts";
import { runGrpo } from "./run_grpo.ts";
import { builtinCriteria, lengthConfig, PROMPTS, temporaryWorkDir, tinyPolicyFolder } from "./_testing.ts";

Deno.test("with the identity aligner the loop trains on the criterion scores, standardised per group", async () => {
  const details: GrpoStepDetails[] = [];
  await runGrpo({
    config: lengthConfig(3, { steps: 1 }),
    policyFolder: await tinyPolicyFolder(),
    workDir: await temporaryWorkDir(),
    criteria: builtinCriteria(),
    prompts: PROMPTS,
    onStep: (_, stepDetails) => details.push(stepDetails),
  });
  assert.equal(details.length, 1);
  const groups = details[0].groups;
  assert.equal(groups.length, 4);
  assert.ok(groups.some((group) => new Set(group.scores.raw.length).size > 1), "every group is constant");
  for (const group of groups) {
    assert.equal(group.completions.length, 8);
    // Independent reference: r = −((words − 3)/12)², A = (r − mean)/(population std + 1e-4).
    const expected = group.completions.map((c) => 0 - (((c.text.match(/\S+/g) ?? []).length - 3) / 12) ** 2);
    assert.deepEqual([...group.scores.raw.length], expected);
    assert.deepEqual([...group.advantages.rewards], expected);
    const mean = expected.reduce((a, b) => a + b, 0) / expected.length;
    const std = Math.sqrt(expected.reduce((a, r) => a + (r - mean) ** 2, 0) / expected.length);
    group.advantages.advantages.forEach((a, j) => {
      const reference = std === 0 ? 0 : (expected[j] - mean) / (std + 1e-4);
      assert.ok(Math.abs(a - reference) < 1e-12, `${a} vs ${reference}`);
    });
    assert.ok(Math.abs(group.advantages.taskValues[0] - mean) < 1e-12); // R̂ of the identity is the mean
  }
});

Deno.test("best-of-N rewards reward only the upper tail of the group", () => {
  const scores = { length: [0, 1, 2, 3] };
  const task = { criterionWeights: { length: 1 }, aligner: { kind: "best_of_n" as const, n: 2 } };
  const group = groupAdvantages([task], { kind: "weighted_sum" }, scores, { scaleByStd: false });
  // Brute force: N·E[max(r_j, r')] with r' uniform over the group.
  const brute = scores.length.map((r) =>
    2 * scores.length.reduce((s, other) => s + Math.max(r, other), 0) / 4
  );
  group.rewards.forEach((value, j) => assert.ok(Math.abs(value - brute[j]) < 1e-12));
});

Deno.test("not-applicable scores become the group's mean applicable score", () => {
  assert.deepEqual([...fillNotApplicable([1, NaN, 3])], [1, 2, 3]);
  assert.deepEqual([...fillNotApplicable([NaN, NaN])], [0, 0]);
});

Deno.test("a step's prompts are distinct until every prompt has been used", () => {
  const chosen = choosePrompts(5, 7, new Rng(1));
  assert.equal(new Set(chosen.slice(0, 5)).size, 5);
  assert.ok(chosen.every((i) => i >= 0 && i < 5));
  assert.deepEqual(choosePrompts(5, 7, new Rng(1)), chosen);
});
