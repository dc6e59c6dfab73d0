/**
 * Picks the next token from one row of logits for callers outside the engine (the single-sequence
 * loop in generate_sequence.ts): the engine's own processor chain and choice, so both sample alike.
 */
import { buildProcessorChain, chooseToken } from "./engine/logits_processors.ts";
import type { SamplingParams } from "./engine/types.ts";
import type { Rng } from "./random.ts";

export { argmax } from "./engine/logits_processors.ts";

export interface SamplingOptions {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep the smallest set of tokens whose probability reaches top_p (1 = off). */
  topP: number;
  /** Keep the k most likely tokens (0 = off). */
  topK: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topP: 1, topK: 0 };

const NO_COUNTS: ReadonlyMap<number, number> = new Map();

/** The next token id for a row of logits [V] (left unchanged). */
export function sampleToken(logits: Float32Array, options: SamplingOptions, rng: Rng): number {
  const params: SamplingParams = {
    ...options,
    presencePenalty: 0,
    frequencyPenalty: 0,
    maxTokens: 1,
    stop: [],
    ignoreEos: false,
  };
  return chooseToken(
    logits,
    buildProcessorChain(params),
    NO_COUNTS,
    params,
    rng,
    new Float32Array(logits.length),
  );
}
