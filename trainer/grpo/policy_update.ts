/**
 * The policy side of a GRPO step (IAMA.md §4, step 5) on packed micro-batches: log-prob forwards of the
 * rollout policy and the reference, the clipped surrogate + β·k3 KL loss with its gradients summed over
 * micro-batches (the token weights already divide by the batch's completion tokens), and the statistics
 * the log reports, computed here in TypeScript from the graph's per-token outputs.
 *
 * Shapes per micro-batch: log-probs, entropy [B, T]; gradients: one tensor per parameter.
 *
 * @module
 */
import type { Parameters } from "../../models/gpt/parameters.ts";
import type { PolicyGradientBatch, TrainingSession } from "../../models/gpt/training_session.ts";
import type { PolicyMicroBatch } from "./sequences.ts";

/** log π(target_t | prefix) of every micro-batch under `parameters` (one forward each). */
export async function tokenLogprobs(
  session: TrainingSession,
  batches: readonly PolicyMicroBatch[],
  parameters: Parameters,
): Promise<Float32Array[]> {
  const logprobs: Float32Array[] = [];
  for (const batch of batches) {
    const zeros = new Float32Array(batch.tokenWeights.length);
    const result = await session.run(
      { ...batch, oldLogprobs: zeros, refLogprobs: zeros, klBeta: 0, clipEpsilon: 0.2 },
      parameters,
    );
    logprobs.push(result.tokenLogprobs);
  }
  return logprobs;
}

/** Loss and summed gradients of one update, plus the per-token outputs it saw. */
export interface PolicyGradient {
  loss: number;
  gradients: Map<string, Float32Array>;
  /** Log-probs under the parameters the gradient was taken at, per micro-batch. */
  logprobs: Float32Array[];
  entropy: Float32Array[];
}

/** The clipped-surrogate + KL loss and gradient at `parameters` over all micro-batches. */
export async function policyGradient(
  session: TrainingSession,
  batches: readonly PolicyMicroBatch[],
  inputs: { oldLogprobs: Float32Array[]; refLogprobs: Float32Array[]; klBeta: number; clipEpsilon: number },
  parameters: Parameters,
): Promise<PolicyGradient> {
  let loss = 0;
  let gradients: Map<string, Float32Array> | undefined;
  const logprobs: Float32Array[] = [];
  const entropy: Float32Array[] = [];
  for (let i = 0; i < batches.length; i++) {
    const batch: PolicyGradientBatch = {
      ...batches[i],
      oldLogprobs: inputs.oldLogprobs[i],
      refLogprobs: inputs.refLogprobs[i],
      klBeta: inputs.klBeta,
      clipEpsilon: inputs.clipEpsilon,
    };
    const result = await session.run(batch, parameters);
    loss += result.loss;
    logprobs.push(result.tokenLogprobs);
    entropy.push(result.tokenEntropy ?? new Float32Array(result.tokenLogprobs.length));
    if (!gradients) {
      gradients = new Map([...result.gradients].map(([name, g]) => [name, Float32Array.from(g)]));
    } else {
      for (const [name, g] of result.gradients) {
        const sum = gradients.get(name)!;
        for (let k = 0; k < g.length; k++) sum[k] += g[k];
      }
    }
  }
  return { loss, gradients: gradients!, logprobs, entropy };
}

/** Token-weighted means over the completion tokens of a rollout batch. */
export interface TokenStatistics {
  /** Mean k3 estimate of KL(π ‖ π_ref): e^{d} − d − 1, d = ref − lp. */
  kl: number;
  entropy: number;
  /** Fraction of completion tokens where the clipped term is the smaller one (its gradient is 0). */
  clipFraction: number;
}

/**
 * KL, entropy and clip fraction from per-token outputs. Weights are the batches' token weights (they sum
 * to 1 over the rollout batch), so each statistic is a mean per completion token.
 */
export function tokenStatistics(
  batches: readonly PolicyMicroBatch[],
  values: {
    logprobs: Float32Array[];
    oldLogprobs: Float32Array[];
    refLogprobs: Float32Array[];
    entropy: Float32Array[];
  },
  clipEpsilon: number,
): TokenStatistics {
  let kl = 0;
  let entropy = 0;
  let clipped = 0;
  let weightSum = 0;
  batches.forEach((batch, i) => {
    const lp = values.logprobs[i];
    for (let k = 0; k < batch.tokenWeights.length; k++) {
      const w = batch.tokenWeights[k];
      if (w === 0) continue;
      const d = values.refLogprobs[i][k] - lp[k];
      kl += w * (Math.exp(d) - d - 1);
      entropy += w * values.entropy[i][k];
      const ratio = Math.exp(lp[k] - values.oldLogprobs[i][k]);
      const advantage = batch.advantages[k];
      const active = (advantage > 0 && ratio > 1 + clipEpsilon) || (advantage < 0 && ratio < 1 - clipEpsilon);
      if (active) clipped += w;
      weightSum += w;
    }
  });
  if (weightSum === 0) return { kl: 0, entropy: 0, clipFraction: 0 };
  return { kl: kl / weightSum, entropy: entropy / weightSum, clipFraction: clipped / weightSum };
}
