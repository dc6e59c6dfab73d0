/**
 * `deno task calibrate`: measures the default model (or `--model <folder>`) for calibration and the
 * `auto` planner, and writes `calibration.json` and `quality_curves.json` into the model folder.
 *
 * K = 16 responses per prompt for 64 held-out prompts (trainer/calibration/prompts.ts), one engine
 * request of n = 16 per prompt with the serving sampling defaults (temperature 1, top-p 1, the API
 * defaults) and max_tokens 160 (the model's generation_config `max_new_tokens`); criteria
 * helpfulness, harmlessness (the shipped reward models), sentiment and civility, each scored once per
 * response; quality curves for CURVE_WEIGHTINGS (aligners/quality_curves); under each weighting,
 * blockwise decoding (k = 4, 16-token blocks) run twice per prompt for its committed answers' lengths
 * and rewards (its curve point).
 * Deterministic for a seed except the fitted engine time (aligners/quality_curves/engine_time.ts).
 *
 *     deno task calibrate [--model models/default] [--seed 1] [--prompts 64] [--samples 16] [--blockwise-runs 2]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEngine } from "../models/engine/mod.ts";
import {
  createBuiltinCriteria,
  CriterionRegistry,
  loadShippedRewardModels,
} from "../aligners/criteria/mod.ts";
import { calibrateModelFolder } from "../trainer/calibration/calibrate_folder.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string", default: join(import.meta.dirname!, "..", "models", "default") },
    seed: { type: "string", default: "1" },
    prompts: { type: "string", default: "64" },
    samples: { type: "string", default: "16" },
    threads: { type: "string", default: "2" },
    "blockwise-runs": { type: "string", default: "2" },
  },
});
const startedAt = performance.now();
const engine = await createEngine({
  models: [{ name: "m", path: args.model }],
  threads: Number(args.threads),
});
const rewardModels = await loadShippedRewardModels([args.model]);
try {
  const registry = new CriterionRegistry([...createBuiltinCriteria(), ...rewardModels.criteria]);
  const { calibration, curves } = await calibrateModelFolder({
    folder: args.model,
    engine,
    model: "m",
    criteria: registry,
    prompts: Number(args.prompts),
    samplesPerPrompt: Number(args.samples),
    seed: Number(args.seed),
    blockwiseRuns: Number(args["blockwise-runs"]),
    progress: (done, total) => {
      // Steps: each prompt sampled, then each prompt's blockwise runs under each weighting.
      if (done % 32 === 0 || done === total) {
        console.log(`measured ${done}/${total} (${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
      }
    },
  });
  console.log(`model version ${curves.modelVersion}: ${args.prompts} prompts × ${curves.samplesPerPrompt}`);
  for (const [name, stats] of Object.entries(calibration.criteria)) {
    console.log(`  ${name.padEnd(13)} mean ${stats.mean.toFixed(4)} std ${stats.std.toFixed(4)}`);
  }
  const timing = curves.timing;
  console.log(
    `  mean completion ${curves.meanCompletionTokens.toFixed(1)} tokens; engine time ` +
      `${timing.millisecondsPerPass.toFixed(3)} ms per pass + ${
        timing.millisecondsPerGeneratedToken.toFixed(3)
      } ` +
      `per generated token + ${timing.millisecondsPerPrefillToken.toFixed(3)} per prompt token`,
  );
  for (const weighting of curves.weightings) {
    const bon = weighting.points.filter((p) => p.aligner === "best_of_n").map((p) =>
      p.expectedReward.toFixed(3)
    );
    console.log(`  ${JSON.stringify(weighting.weights)} best-of-1..8: ${bon.join(" ")}`);
    for (const point of weighting.points.filter((p) => p.aligner === "blockwise")) {
      console.log(`    blockwise ${JSON.stringify(point.params)}: ${point.expectedReward.toFixed(3)}`);
    }
  }
  console.log(
    `wrote calibration.json and quality_curves.json in ${args.model} (${
      ((performance.now() - startedAt) / 1000).toFixed(0)
    } s)`,
  );
} finally {
  await rewardModels.release();
  await engine.close();
}
