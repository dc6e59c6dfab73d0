/**
 * Picks the next token from one row of logits: greedy, or temperature → top-k → top-p sampling.
 */
import type { Rng } from "./random.ts";

export interface SamplingOptions {
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep the smallest set of tokens whose probability reaches top_p (1 = off). */
  topP: number;
  /** Keep the k most likely tokens (0 = off). */
  topK: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topP: 1, topK: 0 };

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** The next token id for a row of logits [V]. */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  if (options.temperature <= 0) return argmax(logits);
  const order = Array.from({ length: logits.length }, (_, i) => i);
  order.sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = options.topK > 0 ? order.slice(0, options.topK) : order;
  const maxLogit = logits[kept[0]];
  const weights = kept.map((id) => Math.exp((logits[id] - maxLogit) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let cut = kept.length;
  if (options.topP < 1) {
    let mass = 0;
    for (let i = 0; i < kept.length; i++) {
      mass += weights[i] / total;
      if (mass >= options.topP) {
        cut = i + 1;
        break;
      }
    }
  }
  return kept[rng.choiceIndex(weights.slice(0, cut))];
}
