/**
 * Token-level training objectives on the per-token log-probabilities lp: [N].
 * Each returns the scalar loss and ∂loss/∂lp: [N]; the backbone's backward
 * pass (training_graph.ts) takes it from there.
 */
import type { GraphBuilder } from "../onnx/graph_builder.ts";

export interface ObjectiveGraph {
  loss: string;
  dLogprobs: string;
}

/** Weighted cross-entropy: loss = −Σ_t w_t·lp_t (the caller normalises w). */
export function crossEntropyObjective(
  g: GraphBuilder,
  logprobs: string,
  tokenWeights: string,
): ObjectiveGraph {
  const negWeights = g.op("Neg", [tokenWeights]);
  return {
    loss: g.reduceSum(g.mul(negWeights, logprobs), [0], false),
    dLogprobs: negWeights,
  };
}

export interface PolicyGradientInputs {
  advantages: string;
  oldLogprobs: string;
  refLogprobs: string;
  /** Scalar KL coefficient β. */
  klBeta: string;
  /** Scalar clip range ε. */
  clipEpsilon: string;
}

/**
 * GRPO's token-level clipped surrogate with the k3 KL estimator (IAMA.md §4):
 *
 *   loss = Σ_t w_t·( −min(ρ_t·A_t, clip(ρ_t, 1−ε, 1+ε)·A_t) + β·(e^{d_t} − d_t − 1) ),
 *   ρ_t = e^{lp_t − old_t}, d_t = ref_t − lp_t.
 *
 * ∂/∂lp: the surrogate passes ρ·A where the unclipped term is the minimum and 0 where
 * clipping is active; the KL term gives β·(1 − e^{d}).
 */
export function clippedPolicyGradientObjective(
  g: GraphBuilder,
  logprobs: string,
  tokenWeights: string,
  inputs: PolicyGradientInputs,
): ObjectiveGraph {
  const one = g.float(1);
  const ratio = g.op("Exp", [g.sub(logprobs, inputs.oldLogprobs)]);
  const unclipped = g.mul(ratio, inputs.advantages);
  const clippedRatio = g.op("Clip", [
    ratio,
    g.sub(one, inputs.clipEpsilon),
    g.add(one, inputs.clipEpsilon),
  ]);
  const clipped = g.mul(clippedRatio, inputs.advantages);
  const surrogate = g.op("Min", [unclipped, clipped]);
  const unclippedActive = g.castFloat(g.op("LessOrEqual", [unclipped, clipped]));

  const refGap = g.sub(inputs.refLogprobs, logprobs);
  const expRefGap = g.op("Exp", [refGap]);
  const kl = g.sub(g.sub(expRefGap, refGap), one);

  const tokenLoss = g.sub(g.mul(inputs.klBeta, kl), surrogate);
  const dSurrogate = g.mul(unclipped, unclippedActive);
  const dKl = g.mul(inputs.klBeta, g.sub(one, expRefGap));
  return {
    loss: g.reduceSum(g.mul(tokenWeights, tokenLoss), [0], false),
    dLogprobs: g.mul(tokenWeights, g.sub(dKl, dSurrogate)),
  };
}
