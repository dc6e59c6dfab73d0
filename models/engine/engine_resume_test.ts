/**
 * Continuations (`resumeTokens`) and candidate streams (`firstStream`): a generation cut into
 * requests that each continue the previous one's tokens samples exactly the tokens of one
 * uninterrupted request (penalties included), and candidate i of an n-candidate request can be
 * continued alone.
 */
import assert from "node:assert/strict";
import { collect, samplingParams, withTestEngine, writeTestModel } from "./_test_model.ts";
import type { GenerationEngine, SamplingParams } from "./types.ts";

const model = await writeTestModel({ seed: 3 });
const promptIds = model.tokenizer.encode("Continuous batching lets sequences join");

const withEngine = (run: (engine: GenerationEngine) => Promise<void>) => withTestEngine(model, run);

/** Generates `total` tokens of candidate `stream` in requests of `piece` tokens, each continuing the last. */
async function inPieces(
  engine: GenerationEngine,
  sampling: SamplingParams,
  total: number,
  piece: number,
  stream = 0,
): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < total) {
    const run = await collect(engine.generate({
      model: "m",
      promptIds: [...promptIds, ...ids],
      n: 1,
      sampling: { ...sampling, maxTokens: Math.min(piece, total - ids.length) },
      resumeTokens: ids.length,
      firstStream: stream,
    }));
    ids.push(...run.candidates[0].ids);
  }
  return ids;
}

Deno.test("engine continuations resume the random stream and the penalties", async (t) => {
  await withEngine(async (engine) => {
    const variants: Partial<SamplingParams>[] = [
      { temperature: 1 },
      { temperature: 0.8, topK: 12, topP: 0.95, frequencyPenalty: 1.5, presencePenalty: 0.5 },
      { temperature: 0, frequencyPenalty: 2 },
    ];
    await t.step("pieces of 1, 3 and 5 tokens give the uninterrupted request's tokens", async () => {
      for (const variant of variants) {
        const sampling = samplingParams({ ...variant, maxTokens: 14, ignoreEos: true, seed: 99 });
        const whole = await collect(engine.generate({ model: "m", promptIds, n: 1, sampling }));
        for (const piece of [1, 3, 5]) {
          assert.deepEqual(await inPieces(engine, sampling, 14, piece), whole.candidates[0].ids, `${piece}`);
        }
      }
    });

    await t.step(
      "without resumeTokens the penalties and draws start afresh (the check is not vacuous)",
      async () => {
        const sampling = samplingParams({ temperature: 1, maxTokens: 12, ignoreEos: true, seed: 5 });
        const whole = await collect(engine.generate({ model: "m", promptIds, n: 1, sampling }));
        const first = await collect(
          engine.generate({ model: "m", promptIds, n: 1, sampling: { ...sampling, maxTokens: 6 } }),
        );
        const restarted = await collect(engine.generate({
          model: "m",
          promptIds: [...promptIds, ...first.candidates[0].ids],
          n: 1,
          sampling: { ...sampling, maxTokens: 6 },
        }));
        assert.notDeepEqual(
          [...first.candidates[0].ids, ...restarted.candidates[0].ids],
          whole.candidates[0].ids,
        );
      },
    );

    await t.step("firstStream: candidate i of an n-candidate request, continued alone", async () => {
      const sampling = samplingParams({ temperature: 1, maxTokens: 10, ignoreEos: true, seed: 41 });
      const batch = await collect(engine.generate({ model: "m", promptIds, n: 4, sampling }));
      for (const i of [0, 2, 3]) {
        assert.deepEqual(await inPieces(engine, sampling, 10, 4, i), batch.candidates[i].ids);
      }
      const shifted = await collect(
        engine.generate({ model: "m", promptIds, n: 2, sampling, firstStream: 2 }),
      );
      assert.deepEqual(shifted.candidates.map((c) => c.ids), [
        batch.candidates[2].ids,
        batch.candidates[3].ids,
      ]);
    });

    await t.step("resumeTokens beyond the prompt is rejected", async () => {
      await assert.rejects(
        collect(
          engine.generate({ model: "m", promptIds, n: 1, sampling: samplingParams(), resumeTokens: 999 }),
        ),
        { param: "resumeTokens" },
      );
    });
  });
});
