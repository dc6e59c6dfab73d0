import assert from "node:assert/strict";
import { RewardModel } from "../../models/reward_model/mod.ts";
import {
  FIXTURE_SPECIALS,
  FIXTURE_WORDS,
  fixtureWeights,
  referenceLogits,
  wordLevelTokenizerJson,
  writeClassifierFolder,
} from "../../models/reward_model/_test_model.ts";
import { CriterionParamsError } from "./errors.ts";
import { CriterionRegistry } from "./registry.ts";
import { createRewardModelCriterion, loadRewardModelCriterion } from "./reward_model_criterion.ts";

/** Independent encoding of the fixture's WordLevel tokenizer (no truncation needed here). */
function referenceIds(text: string): number[] {
  const vocab = [...FIXTURE_SPECIALS, ...FIXTURE_WORDS];
  const words = text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? [];
  return [2, ...words.map((word) => Math.max(1, vocab.indexOf(word))), 3];
}

Deno.test("reward-model criterion: score = chosen label's logit on prompt + separator + response", async () => {
  const weights = fixtureWeights({ vocabSize: 30, dim: 8, labels: 2, tokenTypes: true, seed: 21 });
  const dir = await writeClassifierFolder({
    tokenizerJson: wordLevelTokenizerJson(),
    weights,
    config: { id2label: { "0": "bad", "1": "good" }, max_position_embeddings: 128 },
  });
  const { criterion, release } = await loadRewardModelCriterion(dir, {
    name: "helpfulness",
    maxBatchSize: 2,
  });
  const model = await RewardModel.load(dir);
  try {
    const prompt = "How do I boil eggs?";
    const candidates = ["Simmer them for nine minutes.", "A terrible answer!", "good", "Simmer them."];
    const scores = await criterion.score(prompt, candidates);
    candidates.forEach((response, i) => {
      const expected = referenceLogits(weights, referenceIds(`${prompt}\n\n${response}`))[1]; // LABEL_1 by default
      assert.ok(Math.abs(scores[i] - expected) < 1e-5, `${response}: ${scores[i]} vs ${expected}`);
    });
    assert.equal(criterion.kind, "reward_model");
    assert.deepEqual(new CriterionRegistry([criterion]).names(), ["helpfulness"]);

    const responseOnly = createRewardModelCriterion(model, { name: "tone", label: "bad", input: "response" });
    const [alone] = await responseOnly.score(prompt, ["A terrible answer!"]);
    assert.ok(Math.abs(alone - referenceLogits(weights, referenceIds("A terrible answer!"))[0]) < 1e-5);

    const separated = createRewardModelCriterion(model, { name: "pair", separator: " [SEP] " });
    const [pair] = await separated.score("good question", ["great answer"]);
    const pairIds = [2, 8, 13, 3, 10, 12, 3]; // [CLS] good question [SEP] great answer [SEP]
    assert.deepEqual(model.encoder.encode("good question [SEP] great answer"), pairIds);
    assert.ok(Math.abs(pair - referenceLogits(weights, pairIds)[1]) < 1e-5);

    // Prefixes are scored as complete responses by default; `partial: "none"` declines them.
    assert.deepEqual(
      [...await criterion.score(prompt, candidates, { partial: true })],
      [...await criterion.score(prompt, candidates)],
    );
    const whole = createRewardModelCriterion(model, { name: "whole", partial: "none" });
    assert.equal(whole.supportsPartial, false);
    assert.ok((await whole.score(prompt, candidates, { partial: true })).every(Number.isNaN));
    await assert.rejects(criterion.score(prompt, candidates, { params: { x: 1 } }), CriterionParamsError);
    assert.throws(
      () => createRewardModelCriterion(model, { name: "x", label: "neutral" }),
      /no label "neutral"/,
    );
  } finally {
    await release();
    await model.release();
    await Deno.remove(dir, { recursive: true });
  }
});
