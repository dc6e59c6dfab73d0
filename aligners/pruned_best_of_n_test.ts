/**
 * Pruned best-of-N on the real engine: with a criterion whose partial score is already its final score
 * (the hash of the first two characters), pruning picks full best-of-N's winner, token for token,
 * while generating fewer tokens; with nothing pruned its candidates are exactly best-of-N's.
 */
import assert from "node:assert/strict";
import { withTestEngine } from "../models/engine/_test_model.ts";
import type { GenerationEngine } from "../models/engine/types.ts";
import { Rng } from "../models/random.ts";
import { alignerTestModel, taskFactory, textHash } from "./_test_task.ts";
import { type Criterion, CriterionRegistry } from "./criteria/mod.ts";
import { createBestOfN, createPrunedBestOfN, generateCandidates } from "./mod.ts";

const PREFIX = 2;
/** Scores the first two characters: once a text has them, its partial score is its final score. */
const prefixCriterion: Criterion = {
  name: "prefix",
  description: "test: hash of the first two characters",
  kind: "verifiable",
  supportsPartial: true,
  score: (_prompt, candidates) =>
    Promise.resolve(Float64Array.from(candidates, (t) => textHash(t.slice(0, PREFIX)))),
};
const registry = new CriterionRegistry([prefixCriterion]);

const { model, promptIds } = await alignerTestModel();
const task = taskFactory(promptIds, { prefix: 1 }, { maxTokens: 16, ignoreEos: true });

const withEngine = (run: (engine: GenerationEngine) => Promise<void>) => withTestEngine(model, run);

Deno.test("pruned best-of-N on the real engine", async (t) => {
  await withEngine(async (engine) => {
    await t.step("same winner as full best-of-N, fewer tokens", async () => {
      const n = 8;
      const blockTokens = 4;
      for (const seed of [1, 3, 4, 5]) {
        // Precondition: after the first block every candidate shows its first two characters.
        const firstBlock = await generateCandidates(
          engine,
          task({ maxTokens: blockTokens }),
          n,
          new Rng(seed),
          0,
        );
        for (const candidate of firstBlock.candidates) {
          const decoded = await engine.detokenize("m", candidate.tokens.map((x) => x.tokenId), {
            skipSpecialTokens: true,
          });
          assert.ok(
            decoded.replace(/\uFFFD+$/, "").length >= PREFIX,
            `seed ${seed}: ${JSON.stringify(decoded)}`,
          );
        }
        const full = await createBestOfN({ n }).run(task(), {
          engine,
          criteria: registry,
          rng: new Rng(seed),
        });
        const pruned = await createPrunedBestOfN({ n, blockTokens }).run(task(), {
          engine,
          criteria: registry,
          rng: new Rng(seed),
        });
        assert.equal(pruned.choice.index, full.choice.index);
        assert.equal(pruned.choice.text, full.choice.text);
        assert.deepEqual(
          pruned.choice.tokens.map((x) => x.tokenId),
          full.choice.tokens.map((x) => x.tokenId),
        );
        assert.equal(pruned.receipt.aggregate, full.receipt.aggregate);
        // 8 × 4, then 4 × 4, 2 × 4, 1 × 4 tokens: 60 instead of 128.
        assert.equal(full.receipt.compute.generatedTokens, n * 16);
        assert.equal(pruned.receipt.compute.generatedTokens, 60);
        assert.deepEqual(pruned.receipt.details, {
          blocks: 4,
          requests: 1 + 4 + 2 + 1,
          pruned: 7,
          prunedPerBlock: [4, 2, 1, 0],
          survivors: 1,
          savedTokensUpperBound: 4 * 12 + 2 * 8 + 1 * 4,
        });
        assert.equal(pruned.receipt.candidates, n);
        assert.equal(pruned.receipt.compute.rewardEvaluations, 8 + 4 + 2 + 1);
      }
    });

    await t.step("nothing pruned (keepFraction 1): every candidate is best-of-N's", async () => {
      const n = 3;
      const seed = 12;
      const run = await createPrunedBestOfN({ n, blockTokens: 5, keepFraction: 1 }).run(
        task({ ignoreEos: false }),
        {
          engine,
          criteria: registry,
          rng: new Rng(seed),
        },
      );
      const reference = await generateCandidates(engine, task({ ignoreEos: false }), n, new Rng(seed), 0);
      const texts = reference.candidates.map((c) => c.text);
      assert.equal(run.choice.text, texts[run.choice.index]);
      assert.deepEqual(run.receipt.aggregates, texts.map((text) => textHash(text.slice(0, PREFIX))));
      assert.equal(run.receipt.details!.pruned, 0);
      assert.equal(run.receipt.compute.generatedTokens, reference.compute.generatedTokens);
    });
  });
});
