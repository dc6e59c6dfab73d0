/**
 * Blockwise decoding on the real engine (small random-weight model): with k = 1 it is plain sampling
 * token for token (the engine resumes each candidate's random stream across blocks), with greedy
 * sampling it is greedy decoding, and with k > 1 each block's choice is the argmax of scores
 * recomputed here from engine requests made independently with the documented seed.
 */
import assert from "node:assert/strict";
import { collect, withTestEngine } from "../models/engine/_test_model.ts";
import type { GenerationEngine, SamplingParams } from "../models/engine/types.ts";
import { Rng } from "../models/random.ts";
import { alignerTestModel, taskFactory } from "./_test_task.ts";
import { type Criterion, CriterionRegistry } from "./criteria/mod.ts";
import { type AlignmentTask, createBlockwise, createPlainSampling, GENERATION_STREAM } from "./mod.ts";
import type { CommittedPiece } from "./aligner.ts";

/** FNV-1a 32-bit of the UTF-16 code units, scaled to [0, 1). */
function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

const hashCriterion = (supportsPartial: boolean): Criterion => ({
  name: "hash",
  description: "test: FNV-1a hash of the text in [0, 1)",
  kind: "verifiable",
  supportsPartial,
  score: (_prompt, candidates, options) =>
    Promise.resolve(
      Float64Array.from(candidates, (text) => options?.partial && !supportsPartial ? NaN : textHash(text)),
    ),
});
const partialRegistry = new CriterionRegistry([hashCriterion(true)]);
const finalOnlyRegistry = new CriterionRegistry([hashCriterion(false)]);

const { model, promptIds } = await alignerTestModel();
const task = taskFactory(promptIds, { hash: 1 }, { maxTokens: 11 });

const engineSeed = (seed: number) => new Rng(seed).fork(GENERATION_STREAM).nextUint32();

/** Independent reference: the blockwise loop written out with direct engine requests. */
async function referenceBlockwise(
  engine: GenerationEngine,
  t: AlignmentTask,
  seed: number,
  k: number,
  blockTokens: number,
) {
  const ids: number[] = [];
  let text = "";
  const picks: number[] = [];
  let prefillTokens = 0;
  for (;;) {
    const run = await collect(engine.generate({
      model: "m",
      promptIds: [...promptIds, ...ids],
      n: k,
      sampling: {
        ...t.sampling,
        seed: engineSeed(seed),
        maxTokens: Math.min(blockTokens, t.sampling.maxTokens - ids.length),
      },
      resumeTokens: ids.length,
    }));
    prefillTokens += run.done!.compute.prefillTokens;
    // The whole answer decoded at once: a character may straddle a block boundary.
    const texts = await Promise.all(
      run.candidates.map((c) => engine.detokenize("m", [...ids, ...c.ids], { skipSpecialTokens: true })),
    );
    const scores = texts.map(textHash);
    let best = 0;
    scores.forEach((s, i) => {
      if (s > scores[best]) best = i;
    });
    picks.push(best);
    ids.push(...run.candidates[best].ids);
    text = texts[best];
    if (run.candidates[best].reason === "stop" || ids.length >= t.sampling.maxTokens) {
      return { ids, text, picks, prefillTokens };
    }
  }
}

// Without prefix caching: each reference replays the aligner's requests after it, and compares what they prefilled.
const withEngine = (run: (engine: GenerationEngine) => Promise<void>) =>
  withTestEngine(model, run, { prefixCacheMegabytes: 0 });

Deno.test("blockwise decoding on the real engine", async (t) => {
  await withEngine(async (engine) => {
    await t.step("k = 1 is plain sampling token for token (penalties and top-k too)", async () => {
      const variants: Partial<SamplingParams>[] = [
        {},
        { frequencyPenalty: 0.7, presencePenalty: 0.3, topK: 20, temperature: 1.3 },
        { ignoreEos: true, maxTokens: 14, topP: 0.9 },
      ];
      for (const sampling of variants) {
        for (const seed of [1, 2, 3]) {
          for (const blockTokens of [1, 3, 4]) {
            const context = { engine, criteria: finalOnlyRegistry, rng: new Rng(seed) };
            const plain = await createPlainSampling().run(task(sampling), context);
            const { choice, receipt } = await createBlockwise({ k: 1, blockTokens }).run(task(sampling), {
              ...context,
              rng: new Rng(seed),
            });
            const ids = (c: typeof choice) => c.tokens.map((token) => token.tokenId);
            assert.ok(plain.choice.tokens.length > 0);
            assert.deepEqual(ids(choice), ids(plain.choice), JSON.stringify({ sampling, seed, blockTokens }));
            assert.equal(choice.text, plain.choice.text);
            assert.equal(choice.finishReason, plain.choice.finishReason);
            assert.equal(choice.completionTokens, plain.choice.completionTokens);
            assert.equal(receipt.details!.blocks, Math.max(1, Math.ceil(choice.tokens.length / blockTokens)));
          }
        }
      }
    });

    await t.step("greedy with k = 1 equals greedy decoding", async () => {
      const greedy = task({ temperature: 0, maxTokens: 12, ignoreEos: true });
      const reference = await collect(
        engine.generate({ model: "m", promptIds, n: 1, sampling: greedy.sampling }),
      );
      const { choice } = await createBlockwise({ k: 1, blockTokens: 5 }).run(greedy, {
        engine,
        criteria: partialRegistry,
        rng: new Rng(9),
      });
      assert.deepEqual(choice.tokens.map((token) => token.tokenId), reference.candidates[0].ids);
      assert.equal(choice.text, reference.candidates[0].text);
    });

    await t.step("k > 1: each block's choice is the argmax of independently recomputed scores", async () => {
      for (const seed of [4, 5, 6]) {
        const k = 4;
        const blockTokens = 3;
        const pieces: CommittedPiece[] = [];
        const { choice, receipt } = await createBlockwise({ k, blockTokens }).run(task(), {
          engine,
          criteria: partialRegistry,
          rng: new Rng(seed),
          onCommit: (piece) => pieces.push(piece),
        });
        const reference = await referenceBlockwise(engine, task(), seed, k, blockTokens);
        assert.deepEqual(receipt.details!.chosenPerBlock, reference.picks);
        assert.ok(reference.picks.some((pick) => pick !== 0), "some block is not candidate 0");
        assert.deepEqual(choice.tokens.map((token) => token.tokenId), reference.ids);
        assert.equal(choice.text, reference.text);
        assert.equal(receipt.candidates, k * reference.picks.length);
        assert.equal(receipt.aggregates!.length, k * reference.picks.length);
        assert.equal(receipt.aggregate, textHash(reference.text));
        assert.equal(receipt.compute.prefillTokens, reference.prefillTokens);
        assert.equal(receipt.compute.rewardEvaluations, k * reference.picks.length);
        assert.deepEqual(receipt.seeds, reference.picks.map(() => engineSeed(seed)));
        // The pieces streamed as blocks were chosen make up the answer.
        assert.equal(pieces.map((p) => p.text).join(""), choice.text);
        assert.deepEqual(pieces.flatMap((p) => p.tokens.map((token) => token.tokenId)), reference.ids);
      }
    });

    await t.step(
      "criteria without partial scores judge only finished blocks (NaN → candidate 0)",
      async () => {
        const seed = 7;
        const k = 3;
        const { receipt, choice } = await createBlockwise({ k, blockTokens: 2 }).run(
          task({ ignoreEos: true }),
          {
            engine,
            criteria: finalOnlyRegistry,
            rng: new Rng(seed),
          },
        );
        const picks = receipt.details!.chosenPerBlock as number[];
        assert.equal(picks.length, Math.ceil(11 / 2));
        assert.ok(picks.slice(0, -1).every((pick) => pick === 0));
        const aggregates = receipt.aggregates!;
        assert.ok(aggregates.slice(0, -k).every((a) => a === null), "unfinished blocks are not scored");
        assert.ok(aggregates.slice(-k).every((a) => typeof a === "number"));
        assert.equal(receipt.aggregate, textHash(choice.text));
        assert.equal(receipt.compute.rewardEvaluations, k, "only the final block was scored");
      },
    );

    await t.step("a seed reproduces the run; estimateCost matches fixed-length greedy runs", async () => {
      const blockwise = createBlockwise({ k: 3, blockTokens: 4 });
      const run = (seed: number) =>
        blockwise.run(task(), { engine, criteria: partialRegistry, rng: new Rng(seed) });
      const [a, b, c] = [await run(31), await run(31), await run(32)];
      assert.deepEqual(a.choice, b.choice);
      assert.deepEqual(a.receipt.aggregates, b.receipt.aggregates);
      assert.notDeepEqual(a.receipt.aggregates, c.receipt.aggregates);

      const greedy = task({ temperature: 0, maxTokens: 10, ignoreEos: true });
      const { receipt } = await blockwise.run(greedy, { engine, criteria: partialRegistry, rng: new Rng(1) });
      const predicted = blockwise.estimateCost({
        promptTokens: promptIds.length,
        maxTokens: 10,
        criteriaCount: 1,
      });
      assert.equal(predicted.forwardPasses, receipt.compute.forwardPasses);
      assert.equal(predicted.generatedTokens, receipt.compute.generatedTokens);
      assert.equal(predicted.rewardEvaluations, receipt.compute.rewardEvaluations);
      const capped = createBlockwise({ k: 2, blockTokens: 3, maxBlocks: 2 });
      const short = await capped.run(greedy, { engine, criteria: partialRegistry, rng: new Rng(1) });
      assert.equal(short.choice.completionTokens, 6);
      assert.equal(short.choice.finishReason, "length");
    });
  });
});
