/**
 * How far ahead of standard GRPO can IAMA + BoN_4 be near the default model? A first-order answer for
 * experiment (b) of docs/iama.md, from the default model's own samples, to read the fronts against.
 *
 * Near the reference, a policy that moves in direction f (per prompt, π ∝ π_ref · exp(ε f)) has
 * KL ≈ ε²/2 · Σ_p Var_p(f) and changes an objective J by ≈ ε · Σ_p Cov_p(f, δJ/δπ). IAMA moves along
 * the first variation r̃ of its own objective (the mean over the weightings w of the BoN_4 value of
 * w·ẑ_help + (1 − w)·ẑ_harm); standard GRPO along r̄ = (ẑ_help + ẑ_harm)/2, the first variation of the
 * plain value. At matched KL, then:
 *
 *     IAMA's BoN_4 gain / GRPO's BoN_4 gain = 1/ρ,    IAMA's plain gain / GRPO's plain gain = ρ,
 *
 * with ρ the within-prompt correlation of r̃ and r̄ (covariances and variances summed over prompts). So
 * the BoN_4 front can lead by at most a factor 1/ρ − 1 of the gain near the reference, while the plain
 * front lags by 1 − ρ.
 *
 * r̃ is the trainer's plug-in estimate (trainer/iama/best_of_n.ts) on K samples per prompt, averaged over
 * the five weightings (the expectation of the 4 tasks drawn per group). Prints ρ on the held-out
 * evaluation prompts and on training prompts, and the measured ratios of docs/iama_fronts_objective.json
 * (each IAMA front point against GRPO's front interpolated linearly in KL; sampling error of each value
 * about 0.02 z).
 *
 *     deno run --allow-all bench/iama_first_order.ts
 *
 * @module
 */
import { createEngine } from "../models/engine/mod.ts";
import { firstVariationBestOfN } from "../trainer/iama/best_of_n.ts";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import { type RewardEvaluation, samplePools } from "./iama_eval.ts";
import { meanWeightedValue, plainValue } from "./iama_ladder.ts";
import {
  BON,
  calibratedRewardModels,
  DEFAULT_MODEL,
  evaluationSizes,
  HELPFULNESS_WEIGHTS,
  iamaPrompts,
  MAX_TOKENS,
  SEED,
  spread,
} from "./iama_setup.ts";

const SAMPLES = 16;
const sizes = evaluationSizes(false);
const prompts = iamaPrompts(sizes);
const rewardModels = await calibratedRewardModels(prompts, sizes.calibrationPrompts);
const engine = await createEngine({ models: [{ name: "default", path: DEFAULT_MODEL }], threads: 2 });

/** Within-prompt correlation of the IAMA first variation and the GRPO reward on `texts` of the default model. */
async function correlation(texts: string[], seed: number): Promise<number> {
  const pools = await samplePools(engine, "default", texts, SAMPLES, MAX_TOKENS, seed);
  let [covariance, iamaVariance, grpoVariance] = [0, 0, 0];
  for (const [i, prompt] of pools.prompts.entries()) {
    const score = async (name: string) =>
      rewardModels.calibrator.calibrate(
        name,
        await rewardModels.registry.get(name).score(prompt, pools.responses[i]),
      );
    const [help, harm] = [await score("helpfulness"), await score("harmlessness")];
    const grpo = help.map((h, j) => (h + harm[j]) / 2);
    const iama = new Float64Array(SAMPLES);
    for (const w of HELPFULNESS_WEIGHTS) {
      const firstVariation = firstVariationBestOfN(help.map((h, j) => w * h + (1 - w) * harm[j]), BON);
      firstVariation.forEach((value, j) => iama[j] += value / HELPFULNESS_WEIGHTS.length);
    }
    const centred = (values: number[]) => {
      const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
      return values.map((v) => v - mean);
    };
    const [a, b] = [centred([...iama]), centred([...grpo])];
    a.forEach((x, j) => {
      covariance += x * b[j];
      iamaVariance += x * x;
      grpoVariance += b[j] * b[j];
    });
  }
  return covariance / Math.sqrt(iamaVariance * grpoVariance);
}

try {
  const held = await correlation(prompts.rewardEval, SEED + 3); // the default model's evaluation pools
  const training = await correlation(spread(prompts.balancedTraining, 64), SEED + 200);
  console.log(`ρ(r̃_IAMA, r̄_GRPO) within prompts, K = ${SAMPLES}:`);
  console.log(`  held-out evaluation prompts (${prompts.rewardEval.length}): ${held.toFixed(3)}`);
  console.log(`  training prompts (64): ${training.toFixed(3)}`);
  console.log(
    `  first order at matched KL: IAMA's BoN_4 gain ×${(1 / held).toFixed(3)} of GRPO's, plain gain ×${
      held.toFixed(3)
    }\n`,
  );

  // Measured: each IAMA front point against GRPO's front (default model at KL 0) interpolated in KL.
  const results: { rewards: Record<string, RewardEvaluation & { kl: KlEstimate }> } = JSON.parse(
    await Deno.readTextFile("docs/iama_fronts_objective.json"),
  );
  type Value = (r: RewardEvaluation) => number;
  const front = (method: string) =>
    Object.keys(results.rewards)
      .filter((name) => name.startsWith(`objfront_${method}_`) && name.endsWith("@64"))
      .map((name) => ({ name, kl: results.rewards[name].kl.perSequence, r: results.rewards[name] }));
  const base = results.rewards.default;
  const grpo = [{ kl: 0, r: base }, ...front("grpo")].sort((x, y) => x.kl - y.kl);
  const interpolated = (kl: number, value: Value) => {
    const above = grpo.findIndex((point) => point.kl >= kl);
    if (above <= 0) return undefined;
    const [lo, hi] = [grpo[above - 1], grpo[above]];
    const t = (kl - lo.kl) / (hi.kl - lo.kl);
    return value(lo.r) + t * (value(hi.r) - value(lo.r));
  };
  console.log("| IAMA point | KL | BoN_4 gain: IAMA / GRPO | plain gain: IAMA / GRPO |");
  console.log("|---|---:|---:|---:|");
  for (const point of front("iama").sort((x, y) => x.kl - y.kl)) {
    const ratio = (value: Value) => {
      const other = interpolated(point.kl, value);
      return other === undefined ? "–" : ((value(point.r) - value(base)) / (other - value(base))).toFixed(2);
    };
    console.log(
      `| ${point.name} | ${point.kl.toFixed(3)} | ${ratio(meanWeightedValue)} | ${ratio(plainValue)} |`,
    );
  }
} finally {
  await engine.close();
  await rewardModels.release();
}
