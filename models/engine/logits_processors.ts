/**
 * The logits-processor chain (transformers.js style: small functions applied in order by one
 * decode loop) and the token choice at its end.
 *
 *   raw logits [V] → logit bias → presence/frequency penalties → top-k → top-p → min-p (at temperature T)
 *   → sample (temperature 0: bias and penalties → argmax)
 *
 * Temperature is not a pass of its own: top-k does not depend on it, top-p applies it inside its
 * softmax, and the sampler folds it into its one exp pass (`sampleSoftmax`).
 *
 * Penalties follow OpenAI: logit[j] −= count[j]·frequency + [count[j] > 0]·presence, counts over
 * the candidate's generated tokens. Processors work in place on a scratch copy; removed tokens
 * become −Infinity.
 *
 * @module
 */
import type { Rng } from "../random.ts";
import { kthLargest, nucleus, scaledNucleusIndices } from "./selection.ts";
import type { SamplingParams } from "./types.ts";

/** Transforms one row of logits [V] in place; `counts` holds the candidate's generated token counts. */
export type LogitsProcessor = (logits: Float32Array, counts: ReadonlyMap<number, number>) => void;

/** Removes ids at or beyond `size` (graphs whose logits are wider than the tokenizer's vocabulary). */
export function vocabularyLimitProcessor(size: number): LogitsProcessor {
  return (logits) => logits.fill(-Infinity, size);
}

/** Adds OpenAI's logit_bias: each [id, bias] pair's bias to that token's logit. */
export function logitBiasProcessor(bias: readonly (readonly [number, number])[]): LogitsProcessor {
  return (logits) => {
    for (const [id, value] of bias) logits[id] += value;
  };
}

/** Subtracts OpenAI's presence and frequency penalties from the tokens generated so far. */
export function penaltiesProcessor(presence: number, frequency: number): LogitsProcessor {
  return (logits, counts) => {
    for (const [id, count] of counts) logits[id] -= count * frequency + (count > 0 ? presence : 0);
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

/** A top-p processor, with its parameters so that `chooseToken` can sample its nucleus directly. */
export interface TopPProcessor extends LogitsProcessor {
  readonly topP: number;
  readonly temperature: number;
}

/**
 * Keeps the smallest most-likely set whose mass under softmax(logits / temperature) reaches p;
 * the rest become −Infinity (the logits themselves stay at temperature 1).
 */
export function topPProcessor(p: number, temperature = 1): TopPProcessor {
  const processor: LogitsProcessor = (logits) => {
    const keep = nucleus(softmax(logits, undefined, 1 / temperature), p);
    for (let i = 0; i < logits.length; i++) if (keep[i] === 0) logits[i] = -Infinity;
  };
  return Object.assign(processor, { topP: p, temperature });
}

/**
 * vLLM's min-p: removes tokens less likely than `minP` × the most likely one under softmax(logits / T),
 * i.e. logits below max + T·ln(minP).
 */
export function minPProcessor(minP: number, temperature: number): LogitsProcessor {
  const drop = temperature * Math.log(minP);
  return (logits) => {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
    const cut = max + drop;
    for (let i = 0; i < logits.length; i++) if (logits[i] < cut) logits[i] = -Infinity;
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
  if (params.logitBias !== undefined && params.logitBias.length > 0) {
    chain.push(logitBiasProcessor(params.logitBias));
  }
  if (params.presencePenalty !== 0 || params.frequencyPenalty !== 0) {
    chain.push(penaltiesProcessor(params.presencePenalty, params.frequencyPenalty));
  }
  if (params.temperature <= 0) return chain; // greedy: the argmax survives every filter
  if (params.topK > 0) chain.push(topKProcessor(params.topK));
  if (params.topP < 1) chain.push(topPProcessor(params.topP, params.temperature));
  if (params.minP !== undefined && params.minP > 0) {
    chain.push(minPProcessor(params.minP, params.temperature));
  }
  return chain;
}

/**
 * Chooses the next token from raw logits [V] (left untouched): runs the chain on `scratch` and
 * takes the argmax (temperature 0, no random draw) or samples softmax(processed / T) with one draw.
 * A chain ending in top-p at the sampling temperature is sampled from its nucleus directly
 * (`sampleNucleus`): the same token for the same `rng` state as running the processor and then
 * `sampleSoftmax`, with one exp pass over the row instead of two.
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
  const last = chain.at(-1) as Partial<TopPProcessor> | undefined;
  const fused = params.temperature > 0 && last?.topP !== undefined && last.temperature === params.temperature;
  const end = fused ? chain.length - 1 : chain.length;
  // sampleNucleus only reads its row: with nothing before top-p it samples the raw logits, uncopied.
  const row = fused && end === 0 ? logits : scratch;
  if (row === scratch) scratch.set(logits);
  for (let i = 0; i < end; i++) chain[i](scratch, counts);
  if (params.temperature <= 0) return argmax(scratch);
  if (fused) return sampleNucleus(row, last.topP!, 1 / params.temperature, rng);
  return sampleSoftmax(scratch, 1 / params.temperature, rng);
}

/** Buffers `sampleNucleus` reuses across calls (sampling is synchronous: one user at a time). */
let nucleusWork = { weights: new Float64Array(0), ids: new Int32Array(0) };

/**
 * Draws from the top-p nucleus of softmax(logits · scale) with one draw: exactly what
 * `topPProcessor(p, 1 / scale)` followed by `sampleSoftmax(logits, scale, rng)` draws, with one
 * exp pass instead of two. The nucleus comes from the unnormalised exps and 1 / their sum (the
 * probabilities softmax would store), and the float32 weights, their sum and the cumulative
 * scan run over the nucleus's ids (ascending, as the full scan meets them), not the whole row.
 * `logits` [V] is left as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../random.ts";
 * assert.equal(sampleNucleus(Float32Array.of(0, 9, 1), 0.5, 1, new Rng(3)), 1);
 * ```
 */
export function sampleNucleus(logits: Float32Array, p: number, scale: number, rng: Rng): number {
  const V = logits.length;
  if (nucleusWork.ids.length < V) nucleusWork = { weights: new Float64Array(V), ids: new Int32Array(V) };
  const { weights, ids } = nucleusWork;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const weight = Math.exp((logits[i] - max) * scale); // as softmax computes it
    weights[i] = weight;
    sum += weight;
  }
  const count = scaledNucleusIndices(weights.subarray(0, V), 1 / sum, p, ids);
  // sampleSoftmax's own max: over the nucleus (the rest is −Infinity by then).
  let keptMax = -Infinity;
  for (let j = 0; j < count; j++) if (logits[ids[j]] > keptMax) keptMax = logits[ids[j]];
  if (!(keptMax > -Infinity && keptMax < Infinity)) {
    throw new RangeError(`cannot sample from logits with max ${keptMax}`);
  }
  let total = 0;
  let lastPositive = 0;
  for (let j = 0; j < count; j++) {
    const i = ids[j];
    // sampleSoftmax's float32 weight; the same exp as above when the maxima agree (they do: the
    // most likely entry is always in the nucleus).
    const weight = Math.fround(keptMax === max ? weights[i] : Math.exp((logits[i] - keptMax) * scale));
    weights[j] = weight; // j ≤ i: entries still to read are not overwritten
    total += weight;
    if (weight > 0) lastPositive = i;
  }
  const target = rng.nextFloat() * total;
  let cumulative = 0;
  for (let j = 0; j < count && ids[j] < lastPositive; j++) {
    cumulative += weights[j];
    if (target < cumulative) return ids[j];
  }
  return lastPositive;
}

/**
 * Draws i with probability softmax(logits · scale)_i, overwriting `logits` [V] with the weights:
 * one max pass, one pass of exp that also sums, then one cumulative scan up to a single draw
 * (−Infinity entries get weight 0 and are never drawn). Same `rng` state ⇒ same index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../random.ts";
 * assert.equal(sampleSoftmax(Float32Array.of(0, -Infinity, 5), 1000, new Rng(3)), 2);
 * ```
 */
export function sampleSoftmax(logits: Float32Array, scale: number, rng: Rng): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  if (!(max > -Infinity && max < Infinity)) throw new RangeError(`cannot sample from logits with max ${max}`);
  let total = 0;
  let lastPositive = 0;
  for (let i = 0; i < logits.length; i++) {
    const weight = Math.fround(Math.exp((logits[i] - max) * scale)); // as stored: the scan sums the same
    logits[i] = weight;
    total += weight;
    if (weight > 0) lastPositive = i;
  }
  const target = rng.nextFloat() * total;
  let cumulative = 0;
  for (let i = 0; i < lastPositive; i++) {
    cumulative += logits[i];
    if (target < cumulative) return i;
  }
  return lastPositive; // also absorbs rounding at the very top of the range
}

/** Index of the largest entry (lowest index among ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * softmax(logits · scale) of a row in float64 (into `out` if given); −Infinity entries get
 * probability 0. `scale` = 1 / temperature (default 1).
 */
export function softmax(
  logits: ArrayLike<number>,
  out = new Float64Array(logits.length),
  scale = 1,
): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const weight = Math.exp((logits[i] - max) * scale);
    out[i] = weight;
    total += weight;
  }
  const normaliser = 1 / total;
  for (let i = 0; i < logits.length; i++) out[i] *= normaliser;
  return out;
}
