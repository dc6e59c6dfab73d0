/**
 * Everything that determines the default model: one seed, the corpus, the tokenizer, the sizes
 * and the training schedule. `deno task build-default-model` follows it step by step.
 */
import type { GptConfig } from "../../models/gpt/config.ts";

export interface DefaultModelRecipe {
  seed: number;
  dialogueCount: number;
  /** Dialogues the tokenizer learns its merges from (a prefix of the corpus). */
  tokenizerDialogues: number;
  model: GptConfig;
  batchSize: number;
  seqLength: number;
  steps: number;
  warmupSteps: number;
  peakLearningRate: number;
  heldOutBatches: number;
  heldOutEvery: number;
  checkpointEvery: number;
  threads: number;
}

export const DEFAULT_RECIPE: DefaultModelRecipe = {
  seed: 20261129,
  dialogueCount: 80_000,
  tokenizerDialogues: 30_000,
  model: {
    vocabSize: 4096,
    contextLength: 256,
    modelDim: 256,
    layerCount: 4,
    headCount: 8,
    mlpDim: 1024,
    layerNormEpsilon: 1e-5,
    tiedHead: true,
  },
  batchSize: 8,
  seqLength: 256,
  steps: 3000,
  warmupSteps: 150,
  peakLearningRate: 1.5e-3,
  heldOutBatches: 4,
  heldOutEvery: 100,
  checkpointEvery: 250,
  threads: 2,
};

/** A small variant that runs in seconds, for tests of the build pipeline. */
export function tinyRecipe(): DefaultModelRecipe {
  return {
    ...DEFAULT_RECIPE,
    dialogueCount: 400,
    tokenizerDialogues: 400,
    model: {
      ...DEFAULT_RECIPE.model,
      vocabSize: 384,
      contextLength: 64,
      modelDim: 32,
      layerCount: 1,
      headCount: 2,
      mlpDim: 64,
    },
    batchSize: 2,
    seqLength: 64,
    steps: 6,
    warmupSteps: 2,
    heldOutBatches: 1,
    heldOutEvery: 3,
    checkpointEvery: 3,
    threads: 1,
  };
}
