/**
 * The logits-processor chain (transformers.js style: small functions applied in order by one
 * decode loop) and the token choice at its end.
 *
 *   raw logits [V] → presence/frequency penalties → temperature → top-k → top-p → sample
 *   (temperature 0: penalties → argmax)
 *
 * Penalties follow OpenAI: logit[j] −= count[j]·frequency + [count[j] > 0]·presence, counts over
 * the candidate's generated tokens. Processors work in place on a scratch copy; removed tokens
 * become −Infinity.
 *
 * @module
 */
import type { Rng } from "../random.ts";
import { kthLargest, nucleus } from "./selection.ts";
import type { SamplingParams } from "./types.ts";

/** Transforms one row of logits [V] in place; `counts` holds the candidate's generated token counts. */
export type LogitsProcessor = (logits: Float32Array, counts: ReadonlyMap<number, number>) => void;

/** Removes ids at or beyond `size` (graphs whose logits are wider than the tokenizer's vocabulary). */
export function vocabularyLimitProcessor(size: number): LogitsProcessor {
  return (logits) => logits.fill(-Infinity, size);
}

/** Subtracts OpenAI's presence and frequency penalties from the tokens generated so far. */
export function penaltiesProcessor(presence: number, frequency: number): LogitsProcessor {
  return (logits, counts) => {
    for (const [id, count] of counts) logits[id] -= count * frequency + (count > 0 ? presence : 0);
  };
}

/** Divides every logit by the temperature (> 0). */
export function temperatureProcessor(temperature: number): LogitsProcessor {
  return (logits) => {
    for (let i = 0; i < logits.length; i++) logits[i] /= temperature;
  };
}

/** Keeps the k largest logits (ties at the k-th value: lower ids first); the rest become −Infinity. */
export function topKProcessor(k: number): LogitsProcessor {
  return (logits) => {
    if (k >= logits.length) return;
    const threshold = kthLargest(logits, k);
    let tiesAllowed = k;
    for (let i = 0; i < logits.length; i++) if (logits[i] > threshold) tiesAllowed--;
    for (let i = 0; i < logits.length; i++) {
      if (logits[i] > threshold) continue;
      if (logits[i] === threshold && tiesAllowed > 0) tiesAllowed--;
      else logits[i] = -Infinity;
    }
  };
}

/** Keeps the smallest most-likely set whose softmax mass reaches p; the rest become −Infinity. */
export function topPProcessor(p: number): LogitsProcessor {
  return (logits) => {
    const keep = nucleus(softmax(logits), p);
    for (let i = 0; i < logits.length; i++) if (keep[i] === 0) logits[i] = -Infinity;
  };
}

/**
 * The chain for `params`, leaving out processors that would change nothing.
 *
 * @param tokenizerSize ids at or beyond it are never chosen (default: no limit)
 */
export function buildProcessorChain(params: SamplingParams, tokenizerSize = Infinity): LogitsProcessor[] {
  const chain: LogitsProcessor[] = [];
  if (Number.isFinite(tokenizerSize)) chain.push(vocabularyLimitProcessor(tokenizerSize));
  if (params.presencePenalty !== 0 || params.frequencyPenalty !== 0) {
    chain.push(penaltiesProcessor(params.presencePenalty, params.frequencyPenalty));
  }
  if (params.temperature <= 0) return chain; // greedy: the argmax survives every filter
  if (params.temperature !== 1) chain.push(temperatureProcessor(params.temperature));
  if (params.topK > 0) chain.push(topKProcessor(params.topK));
  if (params.topP < 1) chain.push(topPProcessor(params.topP));
  return chain;
}

/**
 * Chooses the next token from raw logits [V] (left untouched): runs the chain on `scratch` and
 * takes the argmax (temperature 0, no random draw) or samples softmax(processed) with one draw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../random.ts";
 * const params = { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 5,
 *   maxTokens: 1, stop: [], ignoreEos: false };
 * const logits = Float32Array.of(1, 3, 2);
 * const counts = new Map([[1, 1]]); // token 1 already generated once: 3 − 5 < 2
 * const next = chooseToken(logits, buildProcessorChain(params), counts, params, new Rng(1), new Float32Array(3));
 * assert.equal(next, 2);
 * ```
 */
export function chooseToken(
  logits: Float32Array,
  chain: readonly LogitsProcessor[],
  counts: ReadonlyMap<number, number>,
  params: SamplingParams,
  rng: Rng,
  scratch: Float32Array,
): number {
  scratch.set(logits);
  for (const processor of chain) processor(scratch, counts);
  if (params.temperature <= 0) return argmax(scratch);
  let max = -Infinity;
  for (let i = 0; i < scratch.length; i++) if (scratch[i] > max) max = scratch[i];
  for (let i = 0; i < scratch.length; i++) scratch[i] = Math.exp(scratch[i] - max); // weights, in place
  return rng.choiceIndex(scratch);
}

/** Index of the largest entry (lowest index among ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** softmax of a row in float64 (into `out` if given); −Infinity entries get probability 0. */
export function softmax(logits: ArrayLike<number>, out = new Float64Array(logits.length)): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const weight = Math.exp(logits[i] - max);
    out[i] = weight;
    total += weight;
  }
  const scale = 1 / total;
  for (let i = 0; i < logits.length; i++) out[i] *= scale;
  return out;
}
