/**
 * Evaluation of trained bases for the IAMA benchmark (docs/iama.md): pools of K responses per held-out
 * prompt sampled from each base (temperature 1, the policy itself, through the engine), scored by the
 * experiment's criteria; best-of-N values come from the pools (iama_stats.ts); KL(base ‖ default) from
 * trainer/evaluation's `estimateKl`.
 *
 * @module
 */
import { type Calibrator, countWords, type CriterionRegistry } from "../aligners/criteria/mod.ts";
import type { GenerationEngine } from "../models/engine/mod.ts";
import { renderPrompt } from "../trainer/default_model/chat_format.ts";
import { estimateKl, type KlEstimate } from "../trainer/evaluation/mod.ts";
import { collectRollouts, type RolloutGroup } from "../trainer/grpo/rollouts.ts";
import { bestOfNFromPool, bimodalityCoefficient, histogram, massNearTargets, mean } from "./iama_stats.ts";

/** K responses of each prompt. */
export interface ResponsePools {
  prompts: string[];
  responses: string[][];
}

/**
 * Samples `perPrompt` responses of each prompt from `model` (one seeded request per prompt), with their
 * token ids.
 */
export async function sampleGroups(
  engine: GenerationEngine,
  model: string,
  prompts: readonly string[],
  perPrompt: number,
  maxTokens: number,
  seed: number,
): Promise<RolloutGroup[]> {
  const groups: RolloutGroup[] = [];
  const chunk = 4; // prompts in flight at once (the engine batches them)
  for (let start = 0; start < prompts.length; start += chunk) {
    const requests = prompts.slice(start, start + chunk).map((prompt, i) => ({
      prompt,
      renderedPrompt: renderPrompt(prompt),
      seed: seed * 1000 + start + i,
    }));
    groups.push(...await collectRollouts(engine, model, requests, { groupSize: perPrompt, maxTokens }));
  }
  return groups;
}

/** {@link sampleGroups}' responses as text. */
export async function samplePools(
  engine: GenerationEngine,
  model: string,
  prompts: readonly string[],
  perPrompt: number,
  maxTokens: number,
  seed: number,
): Promise<ResponsePools> {
  return poolsOf(await sampleGroups(engine, model, prompts, perPrompt, maxTokens, seed));
}

/** Sampled groups as response pools: each group's prompt and its completions' texts. */
export function poolsOf(groups: readonly RolloutGroup[]): ResponsePools {
  return {
    prompts: groups.map((group) => group.prompt),
    responses: groups.map((group) => group.completions.map((c) => c.text)),
  };
}

/** Calibrated helpfulness and harmlessness of every response, per prompt (experiment b's criteria). */
export async function rewardScores(
  pools: ResponsePools,
  criteria: CriterionRegistry,
  calibrator: Calibrator,
): Promise<{ helpful: Float64Array[]; harmless: Float64Array[] }> {
  const helpful: Float64Array[] = [];
  const harmless: Float64Array[] = [];
  for (const [i, prompt] of pools.prompts.entries()) {
    const texts = pools.responses[i];
    helpful.push(calibrator.calibrate("helpfulness", await criteria.get("helpfulness").score(prompt, texts)));
    harmless.push(
      calibrator.calibrate("harmlessness", await criteria.get("harmlessness").score(prompt, texts)),
    );
  }
  return { helpful, harmless };
}

/** Length statistics of one base (experiment a). */
export interface LengthEvaluation {
  lengths: number[];
  meanLength: number;
  bimodality: number;
  /** Share within `radius` words of each target, and elsewhere. */
  nearShort: number;
  nearLong: number;
  elsewhere: number;
  histogram: number[];
  /** bestOfN[criterion][N] = mean over prompts of the pool's expected BoN_N value under that criterion. */
  bestOfN: Record<string, Record<number, number>>;
  /** Mean over prompts of the expected |y| chosen by BoN_N under each criterion. */
  bestOfNLength: Record<string, Record<number, number>>;
}

/** Length distribution and best-of-N values of `pools` under the length criteria. */
export async function evaluateLengths(
  pools: ResponsePools,
  criteria: CriterionRegistry,
  options: {
    targets: Record<string, number>;
    radius: number;
    budgets: readonly number[];
    binWidth: number;
    bins: number;
  },
): Promise<LengthEvaluation> {
  const lengths = pools.responses.flat().map(countWords);
  const names = Object.keys(options.targets);
  const near = massNearTargets(lengths, names.map((name) => options.targets[name]), options.radius);
  const bestOfN: LengthEvaluation["bestOfN"] = {};
  const bestOfNLength: LengthEvaluation["bestOfNLength"] = {};
  for (const name of names) {
    bestOfN[name] = {};
    bestOfNLength[name] = {};
    const perPrompt = await Promise.all(
      pools.responses.map((texts, i) => criteria.get(name).score(pools.prompts[i], texts)),
    );
    for (const n of options.budgets) {
      bestOfN[name][n] = mean(perPrompt.map((scores) => bestOfNFromPool(scores, scores, n)));
      bestOfNLength[name][n] = mean(
        perPrompt.map((scores, i) => bestOfNFromPool(scores, pools.responses[i].map(countWords), n)),
      );
    }
  }
  return {
    lengths,
    meanLength: mean(lengths),
    bimodality: bimodalityCoefficient(lengths),
    nearShort: near.near[0],
    nearLong: near.near[1],
    elsewhere: near.elsewhere,
    histogram: histogram(lengths, options.binWidth, options.bins),
    bestOfN,
    bestOfNLength,
  };
}

/** Helpfulness and harmlessness (z-scores under the starting model) of one base (experiment b). */
export interface RewardEvaluation {
  /** Plain samples (N = 1). */
  plain: { helpfulness: number; harmlessness: number };
  /** For each helpfulness weight w: BoN_N choosing by w·ẑ_help + (1 − w)·ẑ_harm. */
  bestOfN: { weight: number; helpfulness: number; harmlessness: number }[];
  /** Per prompt (in pool order): the plain samples' (h + s)/2, the BoN_N answers' w·h + (1 − w)·s
   * averaged over the weightings, and (`bestOfNByWeight[k]`, in `bestOfN` order) at each weighting; two
   * bases evaluated on the same prompts give paired differences. */
  perPrompt: { plain: number[]; bestOfNWeighted: number[]; bestOfNByWeight: number[][] };
}

/** Scores the pools with both reward models and evaluates plain sampling and BoN_N at each weighting. */
export async function evaluateRewards(
  pools: ResponsePools,
  criteria: CriterionRegistry,
  calibrator: Calibrator,
  weights: readonly number[],
  n: number,
): Promise<RewardEvaluation> {
  const { helpful, harmless } = await rewardScores(pools, criteria, calibrator);
  const plain = {
    helpfulness: mean(helpful.map((scores) => mean(scores))),
    harmlessness: mean(harmless.map((scores) => mean(scores))),
  };
  const bestOfNByWeight: number[][] = [];
  const bestOfN = weights.map((weight) => {
    const selection = helpful.map((h, i) =>
      h.map((value, j) => weight * value + (1 - weight) * harmless[i][j])
    );
    const perPromptHelpful = selection.map((s, i) => bestOfNFromPool(s, helpful[i], n));
    const perPromptHarmless = selection.map((s, i) => bestOfNFromPool(s, harmless[i], n));
    bestOfNByWeight.push(perPromptHelpful.map((h, i) => weight * h + (1 - weight) * perPromptHarmless[i]));
    return { weight, helpfulness: mean(perPromptHelpful), harmlessness: mean(perPromptHarmless) };
  });
  const bestOfNWeighted = pools.prompts.map((_, i) => mean(bestOfNByWeight.map((values) => values[i])));
  const plainPerPrompt = helpful.map((h, i) => (mean(h) + mean(harmless[i])) / 2);
  return { plain, bestOfN, perPrompt: { plain: plainPerPrompt, bestOfNWeighted, bestOfNByWeight } };
}

/** KL(model ‖ reference) per sequence, sampled from `model` on `prompts`. */
export async function klFromReference(
  engine: GenerationEngine,
  model: string,
  reference: string,
  prompts: readonly string[],
  samplesPerPrompt: number,
  maxTokens: number,
  seed: number,
): Promise<KlEstimate> {
  const promptIds = await Promise.all(prompts.map((prompt) => engine.tokenize(model, renderPrompt(prompt))));
  return await estimateKl({
    engine,
    model,
    reference,
    prompts: promptIds,
    samplesPerPrompt,
    maxTokens,
    seed,
  });
}
