/**
 * Monte Carlo KL between two decoders served by the same engine (IAMA.md §2's KL[π ‖ π_ref]):
 *
 *     KL(π ‖ π_ref) = E_{y ~ π(·|x)} Σ_t [ log π(y_t | x, y_<t) − log π_ref(y_t | x, y_<t) ]
 *
 * estimated by the mean of that sum over responses y sampled from π at temperature 1, top_p 1 (the
 * policy itself), up to `maxTokens` tokens each, the end-of-sequence token included when it ends y. Both
 * log-prob sequences come from the engine (`promptLogprobs` of prompt + y, no new token generated), so
 * this works for any decoder the engine serves and never runs a model outside it. The two models must
 * share the vocabulary.
 *
 * Scoring requests go one at a time so each prompt is prefilled alone at batch 1: the same model asked
 * twice then gives bit-identical log-probs and KL(π ‖ π) is exactly 0.
 *
 * @module
 */
import type { GenerationEngine, SamplingParams } from "../../models/engine/types.ts";
import { policySampling } from "../../models/engine/policy_sampling.ts";
import { Rng } from "../../models/random.ts";

/** The estimate, in nats. */
export interface KlEstimate {
  /** Mean over samples of the summed log-ratio: KL per sequence. */
  perSequence: number;
  /** Standard error of `perSequence` (sample standard deviation / √samples; 0 for one sample). */
  standardError: number;
  /** Σ log-ratios over all samples / Σ their tokens. */
  perToken: number;
  samples: number;
  tokens: number;
}

/** Options of {@link estimateKl}. */
export interface EstimateKlOptions {
  engine: GenerationEngine;
  /** Engine name of π (the model sampled from). */
  model: string;
  /** Engine name of π_ref. */
  reference: string;
  /** Prompts as token ids (the models share a tokenizer). */
  prompts: readonly (readonly number[])[];
  samplesPerPrompt: number;
  maxTokens: number;
  seed: number;
  /** Samples per engine request (they share a prefill; default 8, at most the engine's batch size). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each scored sample. */
  onSample?: (done: number, total: number) => void;
}

/** Stream of the KL sampling seeds (`new Rng(seed, KL_STREAM).fork(request)`), apart from the aligners'. */
const KL_STREAM = 0x4b4c;

/**
 * Σ_t log p_model(response_t | prompt, response_<t) from the engine's prompt log-probs.
 *
 * @example
 * ```ts ignore
 * const logprob = await responseLogprob(engine, "default", promptIds, [412, 9, 0]);
 * ```
 */
export async function responseLogprob(
  engine: GenerationEngine,
  model: string,
  promptIds: readonly number[],
  responseIds: readonly number[],
  signal?: AbortSignal,
): Promise<number> {
  const request = {
    model,
    promptIds: [...promptIds, ...responseIds],
    n: 1,
    sampling: policySampling(0, 0),
    promptLogprobs: 0,
  };
  let total: number | undefined;
  for await (const event of engine.generate(request, signal)) {
    if (event.type !== "started") continue;
    const logprobs = event.promptLogprobs;
    if (logprobs === undefined) throw new Error("the engine returned no prompt log-probs");
    total = 0;
    for (let t = promptIds.length; t < logprobs.length; t++) total += logprobs[t].logprob!;
  }
  if (total === undefined) throw new Error("engine stream ended without a started event");
  return total;
}

/** Samples `n` responses (token ids, end-of-sequence included) from `model` in one request. */
export async function sampleResponses(
  engine: GenerationEngine,
  model: string,
  promptIds: readonly number[],
  n: number,
  sampling: SamplingParams,
  signal?: AbortSignal,
): Promise<number[][]> {
  const responses: number[][] = Array.from({ length: n }, () => []);
  const request = { model, promptIds: [...promptIds], n, sampling };
  for await (const event of engine.generate(request, signal)) {
    if (event.type === "token") responses[event.candidate].push(event.token.tokenId);
  }
  return responses;
}

/**
 * Estimates KL(model ‖ reference) by sampling from `model` (see the module comment).
 *
 * @example
 * ```ts ignore
 * const kl = await estimateKl({ engine, model: "candidate", reference: "base", prompts: [ids],
 *   samplesPerPrompt: 8, maxTokens: 48, seed: 1 });
 * console.log(kl.perSequence, "±", kl.standardError);
 * ```
 */
export async function estimateKl(options: EstimateKlOptions): Promise<KlEstimate> {
  const { engine, model, reference, prompts, samplesPerPrompt, maxTokens, signal } = options;
  const batchSize = options.batchSize ?? 8;
  checkSameVocabulary(engine, model, reference);
  const rng = new Rng(options.seed, KL_STREAM);
  const total = prompts.length * samplesPerPrompt;
  const ratios: number[] = [];
  let tokens = 0;
  let request = 0;
  for (const promptIds of prompts) {
    for (let start = 0; start < samplesPerPrompt; start += batchSize) {
      const n = Math.min(batchSize, samplesPerPrompt - start);
      const seed = rng.fork(request++).nextUint32();
      const responses = await sampleResponses(
        engine,
        model,
        promptIds,
        n,
        policySampling(maxTokens, seed),
        signal,
      );
      for (const response of responses) {
        const own = await responseLogprob(engine, model, promptIds, response, signal);
        const referenceLogprob = await responseLogprob(engine, reference, promptIds, response, signal);
        ratios.push(own - referenceLogprob);
        tokens += response.length;
        options.onSample?.(ratios.length, total);
      }
    }
  }
  return summarizeLogRatios(ratios, tokens);
}

/**
 * Mean, standard error and per-token value of per-sequence log-ratios.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeLogRatios } from "./kl.ts";
 * const kl = summarizeLogRatios([1, 3], 4);
 * assert.deepEqual(kl, { perSequence: 2, standardError: 1, perToken: 1, samples: 2, tokens: 4 });
 * ```
 */
export function summarizeLogRatios(ratios: readonly number[], tokens: number): KlEstimate {
  const samples = ratios.length;
  if (samples === 0) throw new RangeError("no samples to estimate KL from");
  const sum = ratios.reduce((a, b) => a + b, 0);
  const mean = sum / samples;
  const variance = samples > 1 ? ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / (samples - 1) : 0;
  return {
    perSequence: mean,
    standardError: Math.sqrt(variance / samples),
    perToken: tokens > 0 ? sum / tokens : 0,
    samples,
    tokens,
  };
}

function checkSameVocabulary(engine: GenerationEngine, model: string, reference: string): void {
  const size = (name: string) => engine.models().find((info) => info.name === name)?.vocabSize;
  const [a, b] = [size(model), size(reference)];
  if (a !== undefined && b !== undefined && a !== b) {
    throw new RangeError(`KL needs one vocabulary: "${model}" has ${a} tokens, "${reference}" ${b}`);
  }
}
