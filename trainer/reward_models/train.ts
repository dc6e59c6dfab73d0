/**
 * Bradley–Terry training of a pooled scorer on preference pairs, with AdamW (trainer/adamw.ts),
 * deterministic by seed. Texts are what the reward-model criterion feeds the model
 * (`rewardModelInput`: prompt + "\n\n" + response), tokenized as the runtime does (SequenceEncoder).
 *
 * @module
 */
import { rewardModelInput } from "../../aligners/criteria/reward_model_criterion.ts";
import { Rng } from "../../models/random.ts";
import type { SequenceEncoder } from "../../models/reward_model/mod.ts";
import { adamWStep, createAdamWState, DEFAULT_ADAMW, warmupCosineLearningRate } from "../adamw.ts";
import {
  bradleyTerryLoss,
  initScorerParameters,
  type PooledScorerConfig,
  type ScorerParameters,
  scoreSequence,
} from "./pooled_scorer.ts";
import type { PreferencePair } from "./preference_pairs.ts";

/** Training hyper-parameters. */
export interface TrainingOptions {
  seed: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
}

export const DEFAULT_TRAINING: TrainingOptions = {
  seed: 1,
  steps: 1500,
  batchSize: 32,
  learningRate: 0.01,
  weightDecay: 0.01,
};

/** Memoised text → token ids, as the runtime encodes them. */
export class PairTokenizer {
  readonly #cache = new Map<string, number[]>();
  constructor(readonly encoder: SequenceEncoder) {}

  ids(prompt: string, response: string): number[] {
    const text = rewardModelInput(prompt, response);
    let ids = this.#cache.get(text);
    if (!ids) {
      ids = this.encoder.encode(text);
      this.#cache.set(text, ids);
    }
    return ids;
  }
}

/** A pair as token ids. */
export interface EncodedPair {
  chosen: number[];
  rejected: number[];
}

export function encodePairs(pairs: readonly PreferencePair[], tokenizer: PairTokenizer): EncodedPair[] {
  return pairs.map((pair) => ({
    chosen: tokenizer.ids(pair.prompt, pair.chosen),
    rejected: tokenizer.ids(pair.prompt, pair.rejected),
  }));
}

/** Result of a training run. */
export interface TrainedScorer {
  parameters: Map<string, Float32Array>;
  /** Mean loss per logged window of 100 steps. */
  losses: number[];
  milliseconds: number;
}

/**
 * Trains a scorer from scratch on `pairs` (shuffled epochs, warm-up + cosine learning rate).
 *
 * @example
 * ```ts
 * import { trainScorer } from "./train.ts";
 * const pairs = [{ chosen: [1, 2, 2], rejected: [1] }, { chosen: [3, 2], rejected: [3] }];
 * const config = { vocabSize: 4, dim: 4, hidden: 4 };
 * const { parameters } = trainScorer(config, pairs, { seed: 1, steps: 50, batchSize: 2, learningRate: 0.05, weightDecay: 0 });
 * parameters.get("embedding")!.length; // 16
 * ```
 */
export function trainScorer(
  config: PooledScorerConfig,
  pairs: readonly EncodedPair[],
  options: TrainingOptions = DEFAULT_TRAINING,
): TrainedScorer {
  const started = performance.now();
  const rng = new Rng(options.seed);
  const parameters = initScorerParameters(config, rng.fork(1));
  const state = createAdamWState(parameters);
  const adamW = {
    ...DEFAULT_ADAMW,
    weightDecay: options.weightDecay,
    noDecay: (name: string) => name.endsWith(".bias"),
  };
  const shuffle = rng.fork(2);
  const order = pairs.map((_, i) => i);
  let cursor = order.length;
  const losses: number[] = [];
  let window = 0;
  for (let step = 0; step < options.steps; step++) {
    const chosen: number[][] = [];
    const rejected: number[][] = [];
    for (let b = 0; b < options.batchSize; b++) {
      if (cursor === order.length) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = shuffle.nextInt(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        cursor = 0;
      }
      const pair = pairs[order[cursor++]];
      chosen.push(pair.chosen);
      rejected.push(pair.rejected);
    }
    const { loss, gradients } = bradleyTerryLoss(parameters, config, { chosen, rejected });
    const learningRate = warmupCosineLearningRate(step, options.learningRate, 50, options.steps);
    adamWStep(parameters, gradients, state, learningRate, adamW);
    window += loss;
    if ((step + 1) % 100 === 0 || step + 1 === options.steps) {
      losses.push(window / ((step % 100) + 1));
      window = 0;
    }
  }
  return { parameters, losses, milliseconds: performance.now() - started };
}

/** Share of pairs whose chosen response scores strictly higher. */
export function pairwiseAccuracy(
  parameters: ScorerParameters,
  config: PooledScorerConfig,
  pairs: readonly EncodedPair[],
): number {
  let correct = 0;
  for (const pair of pairs) {
    if (scoreSequence(parameters, config, pair.chosen) > scoreSequence(parameters, config, pair.rejected)) {
      correct++;
    }
  }
  return pairs.length === 0 ? NaN : correct / pairs.length;
}
