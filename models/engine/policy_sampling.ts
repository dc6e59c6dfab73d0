/**
 * Sampling from the model's own distribution π: temperature 1, nothing truncated or penalised. Whatever
 * needs samples of π itself rather than of a tuned decoder uses it: training rollouts (the PPO ratio and
 * the KL term assume them), KL estimates, calibration statistics.
 *
 * @module
 */
import type { SamplingParams } from "./types.ts";

/**
 * The sampling parameters of π itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policySampling } from "./policy_sampling.ts";
 * const sampling = policySampling(48, 7);
 * assert.deepEqual([sampling.temperature, sampling.topP, sampling.topK, sampling.seed], [1, 1, 0, 7]);
 * ```
 */
export function policySampling(maxTokens: number, seed?: number): SamplingParams {
  return {
    temperature: 1,
    topP: 1,
    topK: 0,
    presencePenalty: 0,
    frequencyPenalty: 0,
    maxTokens,
    stop: [],
    ignoreEos: false,
    ...(seed === undefined ? {} : { seed }),
  };
}
