/**
 * The aligners end to end on the real engine with a small random-weight model and a deterministic
 * fake criterion (an FNV-1a hash of the text in [0, 1)), so the reference choice can be computed
 * independently from the candidate texts the engine produces for the documented seeds.
 */
import assert from "node:assert/strict";
import { collect, withTestEngine } from "../models/engine/_test_model.ts";
import type { GenerationEngine } from "../models/engine/types.ts";
import { prefilledTokens } from "../models/engine/prefix_reuse.ts";
import { Rng } from "../models/random.ts";
import { alignerTestModel, taskFactory } from "./_test_task.ts";
import { type Criterion, CriterionRegistry } from "./criteria/mod.ts";
import {
  type Aligner,
  type AlignmentTask,
  CHOICE_STREAM,
  createBestOfN,
  createPlainSampling,
  createRejectionSampling,
  createSoftBestOfN,
  GENERATION_STREAM,
  softmaxProbabilities,
} from "./mod.ts";

/** FNV-1a 32-bit of the UTF-16 code units, scaled to [0, 1). */
function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

const hashCriterion: Criterion = {
  name: "hash",
  description: "test: FNV-1a hash of the text in [0, 1)",
  kind: "verifiable",
  supportsPartial: false,
  score: (_prompt, candidates) => Promise.resolve(Float64Array.from(candidates, textHash)),
};
const registry = new CriterionRegistry([hashCriterion]);

const { model, promptIds } = await alignerTestModel();
const task = taskFactory(promptIds, { hash: 1 }, { maxTokens: 8 });

const withEngine = (run: (engine: GenerationEngine) => Promise<void>) => withTestEngine(model, run);

/** Reference candidates: the engine asked directly with the documented batch seed. */
async function referenceTexts(
  engine: GenerationEngine,
  t: AlignmentTask,
  seed: number,
  n: number,
  batch = 0,
) {
  const engineSeed = new Rng(seed).fork(GENERATION_STREAM + batch).nextUint32();
  const run = await collect(engine.generate({
    model: "m",
    promptIds,
    n,
    sampling: { ...t.sampling, seed: engineSeed },
  }));
  return run.candidates.map((c) => c.text);
}

function argmax(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

Deno.test("aligners on the real engine", async (t) => {
  await withEngine(async (engine) => {
    await t.step("best-of-N returns the argmax of independently computed scores", async () => {
      for (const seed of [1, 2, 3]) {
        const n = 6;
        const { choice, receipt } = await createBestOfN({ n }).run(task(), {
          engine,
          criteria: registry,
          rng: new Rng(seed),
        });
        const texts = await referenceTexts(engine, task(), seed, n);
        assert.ok(new Set(texts).size > 1, "candidates differ");
        const scores = texts.map(textHash);
        assert.equal(choice.index, argmax(scores));
        assert.equal(choice.text, texts[choice.index]);
        assert.deepEqual(receipt.aggregates, scores);
        assert.equal(receipt.aggregate, scores[choice.index]);
        assert.deepEqual(receipt.criteria, {
          hash: { weight: 1, raw: scores[choice.index], calibrated: scores[choice.index] },
        });
        assert.equal(receipt.candidates, n);
        assert.equal(receipt.aligner, "best_of_n");
      }
    });

    await t.step(
      "soft best-of-N end to end: the choice is softmax choice with the forked choice generator",
      async () => {
        const n = 5;
        const tau = 0.05;
        const seed = 11;
        const { choice, receipt } = await createSoftBestOfN({ n, temperature: tau }).run(task(), {
          engine,
          criteria: registry,
          rng: new Rng(seed),
        });
        const texts = await referenceTexts(engine, task(), seed, n);
        const law = softmaxProbabilities(texts.map(textHash), tau);
        const expected = new Rng(seed).fork(CHOICE_STREAM).choiceIndex(law);
        assert.equal(choice.index, expected);
        assert.equal(choice.text, texts[expected]);
        assert.equal(receipt.params.temperature, tau);
      },
    );

    await t.step("a seed reproduces candidates and choice; another seed changes them", async () => {
      const aligner = createSoftBestOfN({ n: 4, temperature: 0.3 });
      const run = (seed: number) => aligner.run(task(), { engine, criteria: registry, rng: new Rng(seed) });
      const a = await run(21);
      const b = await run(21);
      const c = await run(22);
      assert.deepEqual(a.choice, b.choice);
      assert.deepEqual(a.receipt.aggregates, b.receipt.aggregates);
      assert.deepEqual(a.receipt.seeds, b.receipt.seeds);
      assert.notDeepEqual(a.receipt.aggregates, c.receipt.aggregates);
    });

    await t.step("receipts: N candidates, one prefill, generated tokens = sum over candidates", async () => {
      const n = 4;
      const { receipt } = await createBestOfN({ n }).run(task(), {
        engine,
        criteria: registry,
        rng: new Rng(5),
      });
      const reference = await collect(engine.generate({
        model: "m",
        promptIds,
        n,
        sampling: { ...task().sampling, seed: receipt.seeds[0] },
      }));
      const tokens = reference.candidates.reduce((sum, c) => sum + c.ids.length, 0);
      assert.equal(receipt.compute.generatedTokens, tokens);
      // One shared prefill, of the one token the prefix cache leaves (the prompt ran before on this engine).
      assert.equal(receipt.compute.prefillTokens, prefilledTokens(promptIds.length, promptIds.length));
      assert.equal(receipt.compute.rewardEvaluations, n);
      assert.equal(receipt.modelVersion, reference.started!.modelVersion);
      assert.ok(receipt.compute.wallMilliseconds >= 0 && receipt.compute.milliseconds >= 0);
    });

    await t.step(
      "estimateCost is within 10 % of the engine's compute for fixed-length greedy runs",
      async () => {
        const maxTokens = 10;
        const greedy = task({ temperature: 0, maxTokens, ignoreEos: true });
        const shape = { promptTokens: promptIds.length, maxTokens, criteriaCount: 1 };
        const aligners: Aligner[] = [
          createPlainSampling(),
          createBestOfN({ n: 3 }),
          createSoftBestOfN({ n: 4, temperature: 1 }),
          // r_max far above the hash scores: nothing is accepted, the whole budget is spent.
          createRejectionSampling({ temperature: 0.01, rMax: 50, batchSize: 2, maxDraws: 5 }),
        ];
        for (const aligner of aligners) {
          const { receipt } = await aligner.run(greedy, { engine, criteria: registry, rng: new Rng(1) });
          const predicted = aligner.estimateCost(shape);
          const within = (p: number, actual: number) => Math.abs(p - actual) <= 0.1 * actual;
          assert.ok(within(predicted.forwardPasses, receipt.compute.forwardPasses), `${aligner.name} passes`);
          assert.ok(
            within(predicted.generatedTokens, receipt.compute.generatedTokens),
            `${aligner.name} tokens`,
          );
          assert.equal(predicted.rewardEvaluations, receipt.compute.rewardEvaluations, aligner.name);
        }
      },
    );

    await t.step("rejection sampling: a spent budget falls back to the best seen and says so", async () => {
      const { choice, receipt } = await createRejectionSampling({
        temperature: 0.01,
        rMax: 50,
        batchSize: 3,
        maxDraws: 7,
      }).run(task(), { engine, criteria: registry, rng: new Rng(8) });
      const texts = [
        ...await referenceTexts(engine, task(), 8, 3, 0),
        ...await referenceTexts(engine, task(), 8, 3, 1),
        ...await referenceTexts(engine, task(), 8, 1, 2),
      ];
      const scores = texts.map(textHash);
      assert.equal(receipt.candidates, 7);
      assert.equal(receipt.seeds.length, 3);
      assert.equal(choice.index, argmax(scores));
      assert.equal(choice.text, texts[choice.index]);
      assert.deepEqual(receipt.details, {
        accepted: false,
        fallback: "best_seen",
        acceptances: 0,
        tested: 7,
        acceptanceRate: 0,
        batches: 3,
        aboveBound: 0,
      });
      assert.equal(receipt.aggregate, scores[choice.index]);
      // One prefill per batch, each of the one token the prefix cache leaves.
      assert.equal(receipt.compute.prefillTokens, 3 * prefilledTokens(promptIds.length, promptIds.length));
      assert.equal(
        prefilledTokens(promptIds.length, promptIds.length),
        1,
        "the prompt is long enough to cache",
      );
    });

    await t.step("rejection sampling: with r_max = 1 the first accepted draw is returned", async () => {
      const { choice, receipt } = await createRejectionSampling({
        temperature: 0.5,
        rMax: 1, // the hash is < 1
        batchSize: 2,
        maxDraws: 40,
      }).run(task(), { engine, criteria: registry, rng: new Rng(9) });
      const details = receipt.details!;
      assert.equal(details.accepted, true);
      assert.equal(details.tested, receipt.candidates);
      // Reference: replay the acceptance tests on the independently generated draws.
      const choiceRng = new Rng(9).fork(CHOICE_STREAM);
      let expected = -1;
      for (let batch = 0; expected < 0; batch++) {
        const scores = (await referenceTexts(engine, task(), 9, 2, batch)).map(textHash);
        scores.forEach((r, i) => {
          if (choiceRng.nextFloat() < Math.exp((r - 1) / 0.5) && expected < 0) expected = batch * 2 + i;
        });
      }
      assert.equal(choice.index, expected);
    });

    await t.step("plain sampling: one candidate, scored only when asked", async () => {
      const plain = await createPlainSampling().run(task(), { engine, criteria: registry, rng: new Rng(4) });
      const [text] = await referenceTexts(engine, task(), 4, 1);
      assert.equal(plain.choice.text, text);
      assert.equal(plain.receipt.aggregate, undefined);
      assert.equal(plain.receipt.compute.rewardEvaluations, 0);
      const scored = await createPlainSampling({ score: true }).run(task(), {
        engine,
        criteria: registry,
        rng: new Rng(4),
      });
      assert.equal(scored.choice.text, text);
      assert.equal(scored.receipt.aggregate, textHash(text));
    });
  });
});
