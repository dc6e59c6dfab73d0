/**
 * Evaluates a candidate model folder against a serving one (default: models/default against itself) on
 * a grid, with the serving folder's shipped reward models as criteria and a calibration computed from
 * the serving model's own plain samples on the grid's prompts; prints the metrics, the KL, the gate's
 * decision and the time taken, and writes the report atomically with `--out`.
 *
 *     deno run --allow-all trainer/evaluation/evaluate_cli.ts [--candidate DIR] [--serving DIR]
 *       [--grid grid.json] [--out report.json]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  type CalibrationSample,
  Calibrator,
  computeCalibration,
  createBuiltinCriteria,
  CriterionRegistry,
  loadShippedRewardModels,
} from "../../aligners/criteria/mod.ts";
import { createEngine } from "../../models/engine/mod.ts";
import type { GenerationEngine } from "../../models/engine/types.ts";
import { writeFileAtomic } from "../../models/io/atomic_write.ts";
import { EvaluationGridSchema } from "./grid.ts";
import { evaluateCandidate } from "./evaluate.ts";
import { policySampling } from "../../models/engine/policy_sampling.ts";
import { decidePromotion } from "./promotion.ts";
import { type EvaluationPrompt, evaluationPrompts } from "./prompts.ts";

/** Plain samples of `model` (temperature 1), `perPrompt` per prompt, for calibration. */
async function servingSamples(
  engine: GenerationEngine,
  model: string,
  prompts: readonly EvaluationPrompt[],
  perPrompt: number,
  maxTokens: number,
): Promise<CalibrationSample[]> {
  const samples: CalibrationSample[] = [];
  for (const [i, prompt] of prompts.entries()) {
    const texts = Array.from({ length: perPrompt }, () => "");
    const promptIds = await engine.tokenize(model, prompt.rendered);
    for await (
      const event of engine.generate({
        model,
        promptIds,
        n: perPrompt,
        sampling: policySampling(maxTokens, 1000 + i),
      })
    ) {
      if (event.type === "token" || event.type === "finished") texts[event.candidate] += event.textDelta;
    }
    for (const response of texts) samples.push({ prompt: prompt.text, response });
  }
  return samples;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      candidate: { type: "string" },
      serving: { type: "string" },
      grid: { type: "string" },
      out: { type: "string" },
      threads: { type: "string", default: "2" },
      concurrency: { type: "string", default: "4" },
    },
  });
  const defaultModel = fileURLToPath(new URL("../../models/default", import.meta.url));
  const servingPath = values.serving ?? defaultModel;
  const candidatePath = values.candidate ?? servingPath;
  const grid = EvaluationGridSchema.parse(
    values.grid ? JSON.parse(await Deno.readTextFile(values.grid)) : {},
  );
  const shipped = await loadShippedRewardModels([servingPath], { threads: 1 });
  const engine = await createEngine({
    models: [{ name: "candidate", path: candidatePath }, { name: "serving", path: servingPath }],
    threads: Number(values.threads),
  });
  try {
    const criteria = new CriterionRegistry([...createBuiltinCriteria(), ...shipped.criteria]);
    const prompts = evaluationPrompts(grid.prompts);
    const servingVersion = engine.models().find((m) => m.name === "serving")!.version;
    let startedAt = performance.now();
    const samples = await servingSamples(engine, "serving", prompts, 4, grid.maxTokens);
    const names = [...new Set(grid.weightings.flatMap((w) => Object.keys(w)))];
    const calibration = await computeCalibration(samples, names.map((name) => criteria.get(name)), {
      modelVersion: servingVersion,
      params: grid.criteriaParams,
    });
    console.log(`calibration: ${samples.length} samples in ${(performance.now() - startedAt).toFixed(0)} ms`);
    startedAt = performance.now();
    let klStartedAt = 0;
    const report = await evaluateCandidate({
      engine,
      candidateModel: "candidate",
      servingModel: "serving",
      grid,
      criteria,
      calibrator: new Calibrator(calibration),
      prompts,
      concurrency: Number(values.concurrency),
      onProgress: (progress) => {
        if (progress.phase === "kl" && klStartedAt === 0) klStartedAt = performance.now();
      },
    });
    const klSeconds = (performance.now() - klStartedAt) / 1000;
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(
      `grid: ${report.cells.length} cells × ${grid.seedsPerCell} seed(s) × 2 models = ${
        report.compute.runs * 2
      } ` +
        `aligner runs, ${report.kl.samples} KL samples in ${seconds.toFixed(1)} s ` +
        `(generated tokens: candidate ${report.compute.candidateGeneratedTokens}, ` +
        `serving ${report.compute.servingGeneratedTokens}); the KL samples took ${
          klSeconds.toFixed(1)
        } s of it`,
    );
    console.log("metrics:", JSON.stringify(report.metrics));
    console.log("KL:", JSON.stringify(report.kl));
    console.log("decision:", JSON.stringify(decidePromotion(report, grid)));
    if (values.out) await writeFileAtomic(values.out, JSON.stringify(report, null, 2) + "\n");
  } finally {
    await engine.close();
    await shipped.release();
  }
}
