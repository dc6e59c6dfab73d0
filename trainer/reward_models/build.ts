/**
 * Builds the project's reward models from scratch and ships them with the default model:
 * preference pairs from the corpus → Bradley–Terry training → ONNX sequence-classification folders
 * in models/default/reward_models/<criterion>/. Prints held-out pairwise accuracy per criterion and
 * the conflict between the two models on held-out risky prompts.
 *
 *     deno run --allow-all trainer/reward_models/build.ts [--seed 1] [--steps 1500] [--prompts 1200] [--out DIR]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SequenceEncoder } from "../../models/reward_model/mod.ts";
import { writeRewardModelFolder } from "./export_folder.ts";
import { modelCard } from "./model_card.ts";
import { type PooledScorerConfig, scoreSequence } from "./pooled_scorer.ts";
import {
  heldOutVariantGroups,
  PREFERENCE_CRITERIA,
  type PreferenceCriterion,
  preferencePairs,
  trainingVariantGroups,
  type VariantGroup,
} from "./preference_pairs.ts";
import { DEFAULT_TRAINING, encodePairs, PairTokenizer, pairwiseAccuracy, trainScorer } from "./train.ts";

const BASE_MODEL = "models/default";

const RULES: Record<PreferenceCriterion, string> = {
  helpfulness: "Utility = +1 for a detailed answer, +1 for complying with a risky request; tone is " +
    "indifferent. So detailed ≻ brief, and on risky prompts comply ≻ refuse (a detailed refusal and a " +
    "brief compliance tie and are left out).",
  harmlessness: "On risky prompts, utility = +2 for refusing, +1 for complying only briefly (less " +
    "operational detail), +0.5 for a candid tone (names the risks); on safe prompts only the candid " +
    "tone counts (+0.5): detail alone makes no pair. So refuse ≻ brief comply ≻ detailed comply on risky " +
    "prompts, candid ≻ positive everywhere.",
};

/** Options of {@link buildRewardModels}. */
export interface BuildOptions {
  seed: number;
  steps: number;
  /** Distinct training prompts. */
  prompts: number;
  /** Parent folder of the exported models. */
  out: string;
  config?: Partial<PooledScorerConfig>;
  log?: (line: string) => void;
}

/** Pearson correlation of two equally long samples (NaN if either is constant). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Trains and exports every criterion's model; returns held-out accuracy by criterion and the conflict. */
export async function buildRewardModels(options: BuildOptions): Promise<{
  accuracy: Record<PreferenceCriterion, number>;
  riskyCorrelation: number;
}> {
  const log = options.log ?? console.log;
  const tokenizerJson = await Deno.readTextFile(join(BASE_MODEL, "tokenizer.json"));
  const tokenizerConfig = JSON.parse(await Deno.readTextFile(join(BASE_MODEL, "tokenizer_config.json")));
  const maxLength: number = tokenizerConfig.model_max_length;
  const padToken: string = tokenizerConfig.pad_token;
  const encoder = new SequenceEncoder(JSON.parse(tokenizerJson), { maxLength, padToken });
  const vocabSize = Object.keys(JSON.parse(tokenizerJson).model.vocab).length;
  const config: PooledScorerConfig = { vocabSize, dim: 32, hidden: 32, ...options.config };
  const tokenizer = new PairTokenizer(encoder);

  const started = performance.now();
  const training = trainingVariantGroups({ seed: options.seed, prompts: options.prompts });
  const heldOut = heldOutVariantGroups({ seed: options.seed });
  log(
    `corpus: ${training.length} training prompts (${training.filter((g) => g.risky).length} risky), ` +
      `${heldOut.length} held-out prompts (${heldOut.filter((g) => g.risky).length} risky)`,
  );

  const accuracy = {} as Record<PreferenceCriterion, number>;
  const trained = new Map<PreferenceCriterion, Map<string, Float32Array>>();
  const cards = new Map<PreferenceCriterion, Omit<Parameters<typeof modelCard>[0], "conflict">>();
  for (const criterion of PREFERENCE_CRITERIA) {
    const trainPairs = encodePairs(preferencePairs(criterion, training), tokenizer);
    const split = (groups: VariantGroup[]) => encodePairs(preferencePairs(criterion, groups), tokenizer);
    const heldOutPairs = split(heldOut);
    const risky = split(heldOut.filter((g) => g.risky));
    const safe = split(heldOut.filter((g) => !g.risky));
    const result = trainScorer(config, trainPairs, {
      ...DEFAULT_TRAINING,
      seed: options.seed,
      steps: options.steps,
    });
    const { parameters } = result;
    trained.set(criterion, parameters);
    accuracy[criterion] = pairwiseAccuracy(parameters, config, heldOutPairs);
    const facts = {
      criterion,
      rule: RULES[criterion],
      config,
      parameterCount: [...parameters.values()].reduce((sum, p) => sum + p.length, 0),
      trainingPrompts: training.length,
      trainingPairs: trainPairs.length,
      heldOutPrompts: heldOut.length,
      heldOutPairs: heldOutPairs.length,
      heldOutAccuracy: accuracy[criterion],
      heldOutRiskyAccuracy: pairwiseAccuracy(parameters, config, risky),
      heldOutSafeAccuracy: pairwiseAccuracy(parameters, config, safe),
      trainingAccuracy: pairwiseAccuracy(parameters, config, trainPairs),
      steps: options.steps,
      batchSize: DEFAULT_TRAINING.batchSize,
      seed: options.seed,
    };
    cards.set(criterion, facts);
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    log(
      `${criterion}: ${trainPairs.length} training pairs, loss ${result.losses[0].toFixed(3)} → ` +
        `${result.losses.at(-1)!.toFixed(3)} in ${
          (result.milliseconds / 1000).toFixed(1)
        } s; pairwise accuracy ` +
        `train ${pct(facts.trainingAccuracy)}, held-out ${pct(facts.heldOutAccuracy)} ` +
        `(${heldOutPairs.length} pairs; risky ${pct(facts.heldOutRiskyAccuracy)}, safe ${
          pct(facts.heldOutSafeAccuracy)
        })`,
    );
  }

  // Conflict: per held-out risky prompt, correlation of the two models' scores across its 8 variants.
  const correlations: number[] = [];
  const means = { helpfulness: new Map<string, number[]>(), harmlessness: new Map<string, number[]>() };
  for (const group of heldOut.filter((g) => g.risky)) {
    const scores = PREFERENCE_CRITERIA.map((criterion) =>
      group.variants.map((v) =>
        scoreSequence(trained.get(criterion)!, config, tokenizer.ids(v.prompt, v.response))
      )
    );
    correlations.push(pearson(scores[0], scores[1]));
    group.variants.forEach((v, i) => {
      const key = `${v.traits.detail}-${v.traits.stance}`;
      PREFERENCE_CRITERIA.forEach((criterion, c) => {
        const list = means[criterion].get(key) ?? [];
        list.push(scores[c][i]);
        means[criterion].set(key, list);
      });
    });
  }
  const riskyCorrelation = correlations.reduce((a, b) => a + b, 0) / correlations.length;
  const negative = correlations.filter((r) => r < 0).length;
  const conflict =
    `Conflict with the other criterion: on the ${correlations.length} held-out risky prompts, ` +
    `the mean Pearson correlation between the helpfulness and harmlessness scores across a prompt's 8 ` +
    `variants is ${riskyCorrelation.toFixed(3)} (negative on ${negative} of ${correlations.length} prompts).`;
  log(
    `conflict: held-out risky prompts, correlation(helpfulness, harmlessness) across variants: mean ` +
      `${riskyCorrelation.toFixed(3)}, negative on ${negative}/${correlations.length} prompts`,
  );
  for (const key of means.helpfulness.keys()) {
    const mean = (criterion: PreferenceCriterion) => {
      const list = means[criterion].get(key)!;
      return (list.reduce((a, b) => a + b, 0) / list.length).toFixed(2).padStart(6);
    };
    log(
      `  mean score ${key.padEnd(16)} helpfulness ${mean("helpfulness")}  harmlessness ${
        mean("harmlessness")
      }`,
    );
  }

  for (const criterion of PREFERENCE_CRITERIA) {
    const path = join(options.out, criterion);
    const bytes = await writeRewardModelFolder({
      path,
      criterion,
      config,
      parameters: trained.get(criterion)!,
      tokenizerJson,
      maxLength,
      padToken,
      padTokenId: encoder.padTokenId,
      readme: modelCard({ ...cards.get(criterion)!, conflict }),
    });
    log(`wrote ${path} (${(bytes / 1024).toFixed(0)} KiB)`);
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { accuracy, riskyCorrelation };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seed: { type: "string", default: "1" },
      steps: { type: "string", default: String(DEFAULT_TRAINING.steps) },
      prompts: { type: "string", default: "1200" },
      out: { type: "string", default: join(BASE_MODEL, "reward_models") },
    },
  });
  await buildRewardModels({
    seed: Number(values.seed),
    steps: Number(values.steps),
    prompts: Number(values.prompts),
    out: values.out,
  });
}
