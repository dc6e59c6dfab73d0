/**
 * replayBlockwiseCost against the real engine: runs measured at one limit, replayed at that limit and at
 * shorter ones (and with fewer blocks), must give exactly the mean compute that blockwise decoding spends
 * when it runs at those settings on the same seeds (the engine's own accounting in the receipts).
 */
import assert from "node:assert/strict";
import { withTestEngine } from "../../models/engine/_test_model.ts";
import { Rng } from "../../models/random.ts";
import { createBlockwise } from "../blockwise.ts";
import { alignerTestModel, taskFactory, TEST_PROMPT } from "../_test_task.ts";
import { createBuiltinCriteria, CriterionRegistry } from "../criteria/mod.ts";
import { replayBlockwiseCost } from "./blockwise_replay.ts";
import { measureBlockwise } from "./measure_blockwise.ts";

Deno.test("replayed blockwise runs spend what blockwise spends at shorter limits, seed for seed", async () => {
  const { model, promptIds } = await alignerTestModel();
  const registry = new CriterionRegistry(createBuiltinCriteria());
  // A stop string the random model writes now and then ends answers (and blocks) early.
  const task = taskFactory(promptIds, { sentiment: 1 }, { maxTokens: 24, stop: ["e"] });
  const prompts = [
    { text: TEST_PROMPT, promptIds },
    { text: "to every question", promptIds: model.tokenizer.encode("to every question") },
  ];
  const [k, blockTokens, runsPerPrompt, seed] = [3, 5, 2, 17];
  await withTestEngine(model, async (engine) => {
    const measured = await measureBlockwise({
      engine,
      model: "m",
      registry,
      calibrator: task().calibrator,
      prompts,
      sampling: task().sampling,
      weights: { sentiment: 1 },
      measurement: { k, blockTokens, runsPerPrompt },
      seed,
    });
    for (const [maxTokens, maxBlocks] of [[24, Infinity], [12, Infinity], [7, Infinity], [24, 2], [3, 1]]) {
      const aligner = createBlockwise({ k, blockTokens, ...(maxBlocks === Infinity ? {} : { maxBlocks }) });
      const spent = { forwardPasses: 0, generatedTokens: 0, rewardEvaluations: 0 };
      for (const [p, prompt] of prompts.entries()) {
        for (let run = 0; run < runsPerPrompt; run++) {
          const { receipt } = await aligner.run(
            { ...task({ maxTokens }), promptIds: prompt.promptIds, prompt: prompt.text },
            {
              engine,
              criteria: registry,
              rng: new Rng(new Rng(seed).fork(p * runsPerPrompt + run).nextUint32()),
            },
          );
          for (const key of Object.keys(spent) as (keyof typeof spent)[]) {
            spent[key] += receipt.compute[key] / (prompts.length * runsPerPrompt);
          }
        }
      }
      const replayed = replayBlockwiseCost(measured.candidateTokens, 24, blockTokens, {
        promptTokens: promptIds.length,
        maxTokens,
        criteriaCount: 1,
      }, maxBlocks);
      for (const key of Object.keys(spent) as (keyof typeof spent)[]) {
        assert.ok(
          Math.abs(replayed![key] - spent[key]) < 1e-9,
          `max_tokens ${maxTokens}, max blocks ${maxBlocks}: ${key} ${replayed![key]} vs ${spent[key]}`,
        );
      }
    }
    // Some runs ended before the limit: the replay is not only full blocks against full blocks.
    assert.ok(measured.committedTokens.flat().some((tokens) => tokens < 24), JSON.stringify(measured));
  });
});
