/**
 * evaluateCandidate on real ONNX models through the real engine, aligners and the default model's
 * shipped reward models: a tiny random model against itself (identical cells, improvement 0, KL 0, not
 * promoted), and two different tiny models (report shape; metrics recomputed from the per-cell numbers;
 * one cell recomputed from a direct aligner run).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createEngine } from "../../models/engine/mod.ts";
import { writeTestModel } from "../../models/engine/_test_model.ts";
import type { GenerationEngine } from "../../models/engine/types.ts";
import { Rng } from "../../models/random.ts";
import { createBestOfN } from "../../aligners/mod.ts";
import {
  Calibrator,
  createBuiltinCriteria,
  CriterionRegistry,
  loadShippedRewardModels,
  UnknownCriterionError,
} from "../../aligners/criteria/mod.ts";
import { cellSeeds, type EvaluationGridInput } from "./grid.ts";
import { evaluateCandidate, type EvaluationProgress } from "./evaluate.ts";
import { decidePromotion } from "./promotion.ts";
import { evaluationPrompts } from "./prompts.ts";
import type { EvaluationReport } from "./report.ts";

const DEFAULT_MODEL = fileURLToPath(new URL("../../models/default", import.meta.url));
const modelA = await writeTestModel({ seed: 21 });
const modelB = await writeTestModel({ seed: 22 });

const GRID: EvaluationGridInput = {
  weightings: [{ helpfulness: 1 }, { harmlessness: 1 }, { helpfulness: 0.5, harmlessness: 0.5 }],
  aligners: [{ type: "sample" }, { type: "best_of_n", n: 2 }, {
    type: "soft_best_of_n",
    n: 2,
    temperature: 0.5,
  }],
  prompts: { source: "explicit", texts: ["How do I boil eggs?", "Any tips for a quick brown fox?"] },
  maxTokens: 8,
  seedsPerCell: 2,
  baseSeed: 3,
  minImprovement: 0.01,
  klBound: { nats: 1000, per: "sequence" },
  klSamplesPerPrompt: 3,
};
const CELLS = 3 * 3 * 2;

async function withSetup(
  run: (engine: GenerationEngine, criteria: CriterionRegistry) => Promise<void>,
): Promise<void> {
  const shipped = await loadShippedRewardModels([DEFAULT_MODEL]);
  const engine = await createEngine({
    models: [{ name: "a", path: modelA.dir }, { name: "a_again", path: modelA.dir }, {
      name: "b",
      path: modelB.dir,
    }],
    threads: 1,
  });
  try {
    await run(engine, new CriterionRegistry([...createBuiltinCriteria(), ...shipped.criteria]));
  } finally {
    await engine.close();
    await shipped.release();
  }
}

const identity = new Calibrator(undefined, { missing: "identity" });

function assertPlainJson(report: EvaluationReport) {
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
}

Deno.test("a model against itself: identical cells, improvement 0, KL 0, not promoted", async () => {
  await withSetup(async (engine, criteria) => {
    const progress: EvaluationProgress[] = [];
    const report = await evaluateCandidate({
      engine,
      candidateModel: "a",
      servingModel: "a_again",
      grid: GRID,
      criteria,
      calibrator: identity,
      onProgress: (p) => progress.push(p),
    });
    assertPlainJson(report);
    assert.equal(report.cells.length, CELLS);
    for (const cell of report.cells) assert.deepEqual(cell.candidate, cell.serving);
    assert.ok(report.cells.every((cell) => cell.candidate.meanAggregate !== null));
    for (const metric of Object.values(report.metrics)) {
      assert.equal(metric.improvement, 0);
      assert.equal(metric.cells, CELLS);
    }
    assert.equal(report.metrics.win_rate.candidate, 0.5);
    assert.equal(report.kl.perSequence, 0);
    assert.equal(report.kl.samples, 2 * 3);
    assert.equal(report.compute.candidateGeneratedTokens, report.compute.servingGeneratedTokens);
    // Each distinct (model, n, prompt, seed) is generated once: n = 1 (sample) and n = 2 (best-of-2 and
    // soft best-of-2 ask for the same candidates), for every weighting; the other requests replay it.
    const requests = CELLS * 2 * 2;
    assert.deepEqual(report.compute.generationRequests, { ran: 2 * 2 * 2 * 2, replayed: requests - 16 });
    const decision = decidePromotion(report, report.grid);
    assert.equal(decision.promote, false);
    assert.deepEqual(decision.reasons, [
      `mean_aggregate: the candidate does not beat serving (candidate ${
        Number(report.metrics.mean_aggregate.candidate!.toPrecision(6))
      } vs serving ${Number(report.metrics.mean_aggregate.serving!.toPrecision(6))}, improvement 0)`,
    ]);
    const runs = CELLS * 2 * 2;
    assert.deepEqual(
      progress.filter((p) => p.phase === "cells").map((p) => p.done),
      [...Array(runs).keys()].map((i) => i + 1),
    );
    assert.deepEqual(progress.at(-1), { phase: "kl", done: 6, total: 6 });
  });
});

Deno.test("two different models: report shape, metrics and a cell recomputed independently", async () => {
  await withSetup(async (engine, criteria) => {
    const report = await evaluateCandidate({
      engine,
      candidateModel: "b",
      servingModel: "a",
      grid: GRID,
      criteria,
      calibrator: identity,
      concurrency: 3,
    });
    assertPlainJson(report);
    const versions = Object.fromEntries(engine.models().map((m) => [m.name, m.version]));
    assert.deepEqual(report.models, {
      candidate: { name: "b", version: versions.b },
      serving: { name: "a", version: versions.a },
      reference: { name: "a", version: versions.a },
    });
    assert.equal(report.format, "iama.evaluation.v1");
    assert.equal(report.cells.length, CELLS);
    assert.equal(report.compute.runs, CELLS * 2);
    assert.deepEqual(report.prompts.map((p) => p.id), ["explicit-0", "explicit-1"]);
    for (const cell of report.cells) {
      assert.deepEqual(Object.keys(cell.candidate.criteria).sort(), Object.keys(cell.weighting).sort());
      assert.deepEqual(Object.keys(cell.serving.criteria).sort(), Object.keys(cell.weighting).sort());
      assert.equal(cell.seeds.length, 2);
      assert.ok(cell.candidate.meanAggregate !== null && cell.serving.meanAggregate !== null);
    }
    // Different models answer differently somewhere.
    assert.ok(report.cells.some((cell) => cell.candidate.meanAggregate !== cell.serving.meanAggregate));

    // The metrics, recomputed from the per-cell numbers.
    const pairs = report.cells.map((cell) => [cell.candidate.meanAggregate!, cell.serving.meanAggregate!]);
    let [candidateSum, servingSum, wins, losses] = [0, 0, 0, 0];
    for (const [c, s] of pairs) {
      candidateSum += c;
      servingSum += s;
      if (c > s) wins++;
      if (c < s) losses++;
    }
    const mean = report.metrics.mean_aggregate;
    assert.ok(Math.abs(mean.candidate! - candidateSum / CELLS) < 1e-12);
    assert.ok(Math.abs(mean.serving! - servingSum / CELLS) < 1e-12);
    assert.ok(Math.abs(mean.improvement! - (candidateSum - servingSum) / CELLS) < 1e-12);
    const ties = CELLS - wins - losses;
    assert.equal(report.metrics.win_rate.candidate, (wins + ties / 2) / CELLS);
    assert.equal(report.metrics.win_rate.improvement, (wins - losses) / CELLS);

    // KL of two different random models is positive; the gate follows the numbers.
    assert.ok(report.kl.perSequence > 0 && Number.isFinite(report.kl.standardError));
    const decision = decidePromotion(report, { ...report.grid, minImprovement: 0 });
    assert.equal(decision.promote, mean.improvement! > 0);

    // One cell recomputed from direct best-of-2 runs of the candidate with the cell's seeds.
    const cell = report.cells.find((c) => c.aligner.type === "best_of_n" && c.promptId === "explicit-1")!;
    const prompt = evaluationPrompts({
      source: "explicit",
      texts: ["How do I boil eggs?", "Any tips for a quick brown fox?"],
    })[1];
    assert.deepEqual(cell.seeds, cellSeeds({ baseSeed: 3, seedsPerCell: 2 }, 1));
    const aggregates: number[] = [];
    const helpfulness: number[] = [];
    for (const seed of cell.seeds) {
      const { receipt } = await createBestOfN({ n: 2 }).run({
        model: "b",
        promptIds: await engine.tokenize("b", prompt.rendered),
        prompt: prompt.text,
        sampling: {
          temperature: 1,
          topP: 1,
          topK: 0,
          presencePenalty: 0,
          frequencyPenalty: 0,
          maxTokens: 8,
          stop: [],
          ignoreEos: false,
        },
        criteria: { weights: cell.weighting, aggregator: { type: "sum" } },
        calibrator: identity,
      }, { engine, criteria, rng: new Rng(seed) });
      aggregates.push(receipt.aggregate!);
      helpfulness.push(receipt.criteria!.helpfulness?.raw ?? NaN);
    }
    assert.equal(cell.candidate.meanAggregate, (aggregates[0] + aggregates[1]) / 2);
    if ("helpfulness" in cell.weighting) {
      assert.equal(cell.candidate.criteria.helpfulness, (helpfulness[0] + helpfulness[1]) / 2);
    }
  });
});

Deno.test("evaluateCandidate fails fast on an unknown criterion, an unknown model and an aborted signal", async () => {
  await withSetup(async (engine, criteria) => {
    const base = { engine, candidateModel: "b", servingModel: "a", criteria, calibrator: identity };
    await assert.rejects(
      evaluateCandidate({ ...base, grid: { ...GRID, weightings: [{ wit: 1 }] } }),
      UnknownCriterionError,
    );
    await assert.rejects(evaluateCandidate({ ...base, servingModel: "c", grid: GRID }), /"c" is not loaded/);
    const abort = new AbortController();
    abort.abort(new Error("stop now"));
    await assert.rejects(evaluateCandidate({ ...base, grid: GRID, signal: abort.signal }), /stop now|abort/i);
  });
});
