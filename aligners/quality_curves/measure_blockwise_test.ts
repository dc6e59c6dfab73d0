/**
 * measureBlockwise on the real engine (small random-weight model): with k = 1 blockwise decoding
 * is plain sampling, so the lengths it measures must be the plain sampling aligner's on the same seeds;
 * with EOS ignored every committed answer runs to max_tokens; a rerun reproduces every length. The
 * recorded reward is the committed answer scored by hand as a complete response (raw scores, z-score,
 * weighted mean).
 */
import assert from "node:assert/strict";
import { withTestEngine } from "../../models/engine/_test_model.ts";
import type { SamplingParams } from "../../models/engine/types.ts";
import { Rng } from "../../models/random.ts";
import { createBlockwise } from "../blockwise.ts";
import { createPlainSampling } from "../plain_sampling.ts";
import { alignerTestModel, taskFactory, TEST_PROMPT } from "../_test_task.ts";
import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "../criteria/mod.ts";
import { measureBlockwise } from "./measure_blockwise.ts";

Deno.test("measureBlockwise: k = 1 measures plain sampling's lengths; runs reproduce", async () => {
  const { model, promptIds } = await alignerTestModel();
  // A stop string the random model writes now and then ends answers early (it almost never picks EOS).
  const task = taskFactory(promptIds, { sentiment: 1 }, { maxTokens: 24, stop: ["e"] });
  const registry = new CriterionRegistry(createBuiltinCriteria());
  const prompts = [
    { text: TEST_PROMPT, promptIds },
    { text: "to every question", promptIds: model.tokenizer.encode("to every question") },
  ];
  await withTestEngine(model, async (engine) => {
    const measure = (k: number, sampling: Partial<SamplingParams> = {}) =>
      measureBlockwise({
        engine,
        model: "m",
        registry,
        calibrator: task().calibrator,
        prompts,
        sampling: task(sampling).sampling,
        weights: { sentiment: 1 },
        measurement: { k, blockTokens: 5, runsPerPrompt: 3 },
        seed: 11,
      });
    const single = (await measure(1)).committedTokens;
    assert.equal(single.length, 2);
    const plain = createPlainSampling();
    for (const [p, prompt] of prompts.entries()) {
      assert.equal(single[p].length, 3);
      for (let run = 0; run < 3; run++) {
        const rng = new Rng(new Rng(11).fork(p * 3 + run).nextUint32());
        const { choice } = await plain.run({ ...task(), promptIds: prompt.promptIds, prompt: prompt.text }, {
          engine,
          criteria: registry,
          rng,
        });
        assert.equal(single[p][run], choice.completionTokens, `prompt ${p} run ${run}`);
      }
    }
    // Some answers end early, so the comparison above is not only max_tokens against itself.
    assert.ok(single.flat().some((length) => length < 24), JSON.stringify(single));

    const four = await measure(4);
    assert.deepEqual(await measure(4), four);
    // Each run's blocks: 4 candidates each, the committed answer's tokens spread over them.
    four.candidateTokens.forEach((runs, p) =>
      runs.forEach((blocks, run) => {
        assert.ok(blocks.every((block) => block.length === 4 && block.every((t) => t >= 0 && t <= 5)));
        assert.ok(blocks.slice(0, -1).every((block) => Math.max(...block) === 5), "only the last block ends");
        assert.ok(four.committedTokens[p][run] > 5 * (blocks.length - 1));
        assert.ok(four.committedTokens[p][run] <= 5 * blocks.length);
      })
    );
    const full = await measure(4, { ignoreEos: true, stop: [] });
    assert.deepEqual(full.committedTokens, [[24, 24, 24], [24, 24, 24]]);
    const fullRun = [[5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 5], [4, 4, 4, 4]];
    assert.deepEqual(full.candidateTokens, [[fullRun, fullRun, fullRun], [fullRun, fullRun, fullRun]]);
  });
});

Deno.test("measureBlockwise rejects a run count that is not a positive integer", async () => {
  await assert.rejects(
    measureBlockwise({
      // Never reached: the count is checked first.
      engine: undefined as never,
      model: "m",
      registry: new CriterionRegistry([]),
      calibrator: undefined as never,
      prompts: [],
      sampling: undefined as never,
      weights: {},
      measurement: { k: 2, blockTokens: 4, runsPerPrompt: 0 },
      seed: 1,
    }),
    /runsPerPrompt must be an integer ≥ 1/,
  );
});

Deno.test("measureBlockwise: each run's reward is its committed answer's aggregate, scored as a complete response", async () => {
  const { model, promptIds } = await alignerTestModel();
  const task = taskFactory(promptIds, { sentiment: 1 }, { maxTokens: 24, stop: ["e"] });
  const registry = new CriterionRegistry(createBuiltinCriteria());
  const stats = {
    sentiment: { mean: 0.1, std: 0.5, quantiles: [], samples: 10 },
    length: { mean: -2, std: 3, quantiles: [], samples: 10 },
  };
  const calibrator = new Calibrator({ modelVersion: "v", criteria: stats });
  const weights = { sentiment: 1, length: 2 };
  const prompts = [
    { text: TEST_PROMPT, promptIds },
    { text: "to every question", promptIds: model.tokenizer.encode("to every question") },
  ];
  const [k, blockTokens, runsPerPrompt, seed] = [3, 5, 2, 7];
  await withTestEngine(model, async (engine) => {
    const measured = await measureBlockwise({
      engine,
      model: "m",
      registry,
      calibrator,
      prompts,
      sampling: task().sampling,
      weights,
      measurement: { k, blockTokens, runsPerPrompt },
      seed,
    });
    assert.deepEqual(measured.rewards.map((runs) => runs.length), [2, 2]);
    // Reference: the same runs (documented seeds), each answer scored alone and combined by hand.
    const blockwise = createBlockwise({ k, blockTokens });
    for (const [p, prompt] of prompts.entries()) {
      for (let run = 0; run < runsPerPrompt; run++) {
        const rng = new Rng(new Rng(seed).fork(p * runsPerPrompt + run).nextUint32());
        const { choice } = await blockwise.run(
          { ...task(), promptIds: prompt.promptIds, prompt: prompt.text, criteria: { weights }, calibrator },
          { engine, criteria: registry, rng },
        );
        assert.equal(measured.committedTokens[p][run], choice.completionTokens);
        let [sum, total] = [0, 0];
        for (const [name, weight] of Object.entries(weights)) {
          const [raw] = await registry.get(name).score(prompt.text, [choice.text]);
          if (Number.isNaN(raw)) continue;
          const { mean, std } = stats[name as keyof typeof stats];
          [sum, total] = [sum + weight * (raw - mean) / std, total + weight];
        }
        const expected = total === 0 ? null : sum / total;
        const reward = measured.rewards[p][run];
        if (expected === null) assert.equal(reward, null, `prompt ${p} run ${run}`);
        else assert.ok(reward !== null && Math.abs(reward - expected) < 1e-12, `prompt ${p} run ${run}`);
      }
    }
    assert.ok(measured.rewards.flat().some((reward) => reward !== null));
  });
});
