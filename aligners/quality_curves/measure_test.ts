/**
 * measureQualityCurves on the real engine (small random-weight model): the calibration and curves
 * must equal what an independent recomputation from the same candidates gives (candidates re-drawn
 * from the engine with the documented per-prompt seeds, statistics and expectations computed here by
 * hand), and the files must round-trip.
 */
import assert from "node:assert/strict";
import { createEngine } from "../../models/engine/mod.ts";
import { collect, samplingParams, writeTestModel } from "../../models/engine/_test_model.ts";
import { Rng } from "../../models/random.ts";
import {
  Calibrator,
  createBuiltinCriteria,
  type Criterion,
  CriterionRegistry,
  loadCalibration,
  saveCalibration,
} from "../criteria/mod.ts";
import { textHash } from "../_test_task.ts";
import { loadQualityCurves, measureBlockwise, measureQualityCurves, saveQualityCurves } from "./mod.ts";

/** FNV-1a 32-bit of the text, in [0, 1): a criterion whose scores vary from candidate to candidate. */
const hashCriterion: Criterion = {
  name: "hash",
  description: "test: FNV-1a hash of the text",
  kind: "verifiable",
  supportsPartial: false,
  score: (_prompt, candidates) => Promise.resolve(Float64Array.from(candidates, textHash)),
};

Deno.test("measureQualityCurves: calibration and best-of-N curves equal an independent recomputation", async () => {
  const model = await writeTestModel({ seed: 9 });
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1 });
  try {
    const registry = new CriterionRegistry([...createBuiltinCriteria(), hashCriterion]);
    const prompts = ["A small model", "writes short answers", "to every question"].map((text) => ({
      text,
      promptIds: model.tokenizer.encode(text),
    }));
    const sampling = samplingParams({ temperature: 1, maxTokens: 6 });
    const k = 5;
    const progress: [number, number][] = [];
    const weightings: Record<string, number>[] = [{ hash: 1 }, { hash: 1, sentiment: 1 }];
    const { calibration, curves } = await measureQualityCurves({
      engine,
      model: "m",
      registry,
      criteria: ["hash", "sentiment"],
      prompts,
      samplesPerPrompt: k,
      sampling,
      seed: 4,
      weightings,
      grid: {
        maxN: 3,
        softTemperatures: [0.5],
        softTrials: 200,
        rejectionTemperatures: [1],
        rejectionMaxDraws: [4],
        rejectionBatchSize: 2,
      },
      timingPrompts: 2,
      blockwise: [{ k: 2, blockTokens: 4, runsPerPrompt: 2 }],
      progress: (done, total) => progress.push([done, total]),
    });
    // Steps: 3 prompts sampled, then 3 prompts' blockwise runs under each of the 2 weightings.
    assert.deepEqual(progress, Array.from({ length: 9 }, (_, i) => [i + 1, 9]));

    // The same candidates, straight from the engine.
    const seeds = new Rng(4);
    const texts: string[][] = [];
    const lengths: number[][] = [];
    for (const [p, prompt] of prompts.entries()) {
      const run = await collect(engine.generate({
        model: "m",
        promptIds: prompt.promptIds,
        n: k,
        sampling: { ...sampling, seed: seeds.fork(p).nextUint32() },
      }));
      texts.push(run.candidates.map((c) => c.text));
      lengths.push(run.candidates.map((c) => c.ids.length));
    }
    assert.deepEqual(curves.completionTokens, lengths);
    assert.equal(curves.modelVersion, engine.models()[0].version);
    assert.equal(calibration.modelVersion, curves.modelVersion);

    const hash = (await Promise.all(prompts.map((p, i) => hashCriterion.score(p.text, texts[i])))).map((
      s,
    ) => [...s]);
    const all = hash.flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    assert.ok(Math.abs(calibration.criteria.hash.mean - mean) < 1e-12);
    assert.ok(Math.abs(calibration.criteria.hash.std - std) < 1e-12);
    assert.equal(calibration.criteria.hash.samples, prompts.length * k);

    // Best-of-N under {hash: 1}: mean over prompts of E[max of N] of the z-scores, by enumeration.
    const z = hash.map((scores) => scores.map((s) => (s - mean) / std));
    const weighting = curves.weightings[0];
    assert.equal(weighting.rMax, Math.max(...z.flat()));
    // Every response's aggregate, in completionTokens' order (what the chosen answer's length law needs).
    z.forEach((scores, p) =>
      scores.forEach((score, j) => assert.ok(Math.abs(weighting.aggregates![p][j]! - score) < 1e-12))
    );
    assert.deepEqual(curves.weightings[1].aggregates!.map((a) => a.length), lengths.map((l) => l.length));
    for (let n = 1; n <= 3; n++) {
      let total = 0;
      for (const scores of z) {
        let sum = 0;
        const tuples = k ** n;
        for (let t = 0; t < tuples; t++) {
          let best = -Infinity;
          for (let d = 0, rest = t; d < n; d++, rest = Math.floor(rest / k)) {
            best = Math.max(best, scores[rest % k]);
          }
          sum += best;
        }
        total += sum / tuples;
      }
      const point = weighting.points.find((p) => p.aligner === "best_of_n" && p.params.n === n)!;
      assert.ok(Math.abs(point.expectedReward - total / z.length) < 1e-12, `best-of-${n}`);
    }
    // Blockwise under each weighting, on the documented seed, with the calibration just measured.
    for (const [w, weights] of weightings.entries()) {
      const measured = await measureBlockwise({
        engine,
        model: "m",
        registry,
        calibrator: new Calibrator(calibration),
        prompts,
        sampling,
        weights,
        measurement: { k: 2, blockTokens: 4, runsPerPrompt: 2 },
        seed: new Rng(4).fork(2_000_000).nextUint32(),
      });
      assert.deepEqual(curves.weightings[w].blockwise, [{ k: 2, blockTokens: 4, ...measured }]);
      // Its curve point: per prompt the mean reward over its runs, then the mean over prompts.
      const perPrompt = measured.rewards.map((runs) => runs.filter((r) => r !== null))
        .filter((runs) => runs.length > 0).map((runs) => runs.reduce((a, b) => a + b, 0) / runs.length);
      const point = curves.weightings[w].points.find((p) => p.aligner === "blockwise")!;
      assert.deepEqual(point.params, { k: 2, blockTokens: 4 });
      assert.ok(
        Math.abs(point.expectedReward - perPrompt.reduce((a, b) => a + b, 0) / perPrompt.length) < 1e-12,
      );
    }
    const names = curves.weightings[1].points.map((p) => `${p.aligner}:${JSON.stringify(p.params)}`);
    assert.equal(names.length, 3 + 2 + 1 + 1);
    const { millisecondsPerPass, millisecondsPerGeneratedToken, millisecondsPerPrefillToken } = curves.timing;
    assert.ok(
      millisecondsPerPass >= 0 && millisecondsPerGeneratedToken >= 0 && millisecondsPerPrefillToken >= 0,
    );
    assert.ok(millisecondsPerPass + millisecondsPerGeneratedToken + millisecondsPerPrefillToken > 0);

    const dir = await Deno.makeTempDir();
    await saveCalibration(`${dir}/calibration.json`, calibration);
    await saveQualityCurves(`${dir}/quality_curves.json`, curves);
    assert.deepEqual(
      await loadCalibration(`${dir}/calibration.json`, { modelVersion: curves.modelVersion }),
      calibration,
    );
    assert.deepEqual(
      await loadQualityCurves(`${dir}/quality_curves.json`, { modelVersion: curves.modelVersion }),
      curves,
    );
    await Deno.remove(dir, { recursive: true });
  } finally {
    await engine.close();
  }
});
