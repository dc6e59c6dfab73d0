/**
 * The training graph: forward pass, a token-level objective and the gradient of
 * every parameter, in one ONNX graph run by onnxruntime. Parameters are graph
 * inputs (named as in parameters.ts), so one session serves every step.
 *
 * Inputs:  input_ids, target_ids: int64 [B, T]; token_weights: float [B, T];
 *          for "clipped_policy_gradient" also advantages, old_logprobs, ref_logprobs: [B, T],
 *          kl_beta, clip_epsilon: scalars; then every parameter.
 * Outputs: loss: scalar; token_logprobs: [B, T] (log π(target_t | prefix));
 *          token_entropy: [B, T] (policy-gradient objective only); logits: [B, T, V] (if asked);
 *          grad.<parameter name> for every parameter.
 */
import { type FloatType, GraphBuilder } from "../onnx/graph_builder.ts";
import type { OnnxModel } from "../onnx/onnx_model.ts";
import { type GptConfig, headDim } from "./config.ts";
import { decoderBlock, decoderBlockBackward } from "./decoder_block.ts";
import { causalBias, layerNorm } from "./layers.ts";
import { layerNormBackward } from "./layers_backward.ts";
import { clippedPolicyGradientObjective, crossEntropyObjective } from "./objective.ts";
import {
  FINAL_NORM_BIAS,
  FINAL_NORM_WEIGHT,
  LM_HEAD,
  parameterSpecs,
  POSITION_EMBEDDING,
  TOKEN_EMBEDDING,
} from "./parameters.ts";

export type TrainingObjective = "cross_entropy" | "clipped_policy_gradient";

export interface TrainingGraphOptions {
  objective: TrainingObjective;
  floatType?: FloatType;
  /** Also output the logits (for tests; costs a [B, T, V] copy per step). */
  exposeLogits?: boolean;
}

export const GRADIENT_PREFIX = "grad.";

export function buildTrainingGraph(config: GptConfig, options: TrainingGraphOptions): OnnxModel {
  const floatType = options.floatType ?? "float32";
  const g = new GraphBuilder(`gpt_train_${options.objective}`, floatType);
  const D = config.modelDim;
  const V = config.vocabSize;
  const tokenDims = ["batch", "seq"];

  const inputIds = g.input("input_ids", "int64", tokenDims);
  const targetIds = g.input("target_ids", "int64", tokenDims);
  const flat = (name: string) => g.reshape(g.input(name, floatType, tokenDims), [-1]);
  const tokenWeights = flat("token_weights");
  const policy = options.objective === "clipped_policy_gradient"
    ? {
      advantages: flat("advantages"),
      oldLogprobs: flat("old_logprobs"),
      refLogprobs: flat("ref_logprobs"),
      klBeta: g.input("kl_beta", floatType, []),
      clipEpsilon: g.input("clip_epsilon", floatType, []),
    }
    : undefined;
  const specs = parameterSpecs(config);
  for (const spec of specs) g.input(spec.name, floatType, spec.shape);

  // Forward. Residual stream x: [N, D], N = B·T.
  const shapeBT = g.op("Shape", [inputIds]);
  const seqLength1d = g.op("Shape", [inputIds], { start: 1, end: 2 });
  const seqLength = g.op("Gather", [shapeBT, g.int64([1], [])]);
  const positions = g.op("Slice", [POSITION_EMBEDDING, g.int64([0]), seqLength1d, g.int64([0])]);
  const tokens = g.op("Gather", [TOKEN_EMBEDDING, inputIds]); // [B, T, D]
  let x = g.reshape(g.add(tokens, positions), [-1, D]);
  const shapeBSHd = g.op("Concat", [shapeBT, g.int64([config.headCount, headDim(config)])], { axis: 0 });
  const context = { shapeBSHd, attentionBias: causalBias(g, seqLength, seqLength) };
  const tapes = [];
  for (let layer = 0; layer < config.layerCount; layer++) {
    const block = decoderBlock(g, config, layer, x, context);
    tapes.push(block.tape);
    x = block.y;
  }
  const finalNorm = layerNorm(g, x, FINAL_NORM_WEIGHT, FINAL_NORM_BIAS, config.layerNormEpsilon);
  const headWeight = config.tiedHead ? TOKEN_EMBEDDING : LM_HEAD;
  const logits = g.op("Gemm", [finalNorm.y, headWeight], { transB: 1 }); // [N, V]
  const logSoftmax = g.op("LogSoftmax", [logits], { axis: 1 });
  const targets = g.reshape(targetIds, [-1, 1]);
  const logprobs = g.reshape(g.op("GatherElements", [logSoftmax, targets], { axis: 1 }), [-1]);

  const objective = policy
    ? clippedPolicyGradientObjective(g, logprobs, tokenWeights, policy)
    : crossEntropyObjective(g, logprobs, tokenWeights);

  // Backward. ∂loss/∂logits = dlp ⊙ (onehot(target) − softmax).
  const probabilities = g.op("Exp", [logSoftmax]);
  const dLogprobsColumn = g.reshape(objective.dLogprobs, [-1, 1]);
  const dLogits = g.op("ScatterElements", [
    g.mul(probabilities, g.op("Neg", [dLogprobsColumn])),
    targets,
    dLogprobsColumn,
  ], { axis: 1, reduction: "add" });
  const gradients = new Map<string, string>();
  const dHeadWeight = g.op("Gemm", [dLogits, finalNorm.y], { transA: 1 }); // [V, D]
  const finalNormBackward = layerNormBackward(g, g.op("Gemm", [dLogits, headWeight]), finalNorm.saved);
  gradients.set(FINAL_NORM_WEIGHT, finalNormBackward.dWeight);
  gradients.set(FINAL_NORM_BIAS, finalNormBackward.dBias);
  let dx = finalNormBackward.dx;
  for (let layer = config.layerCount - 1; layer >= 0; layer--) {
    const block = decoderBlockBackward(g, config, layer, dx, tapes[layer]);
    for (const [name, gradient] of block.gradients) gradients.set(name, gradient);
    dx = block.dx;
  }
  // Embeddings: scatter-add rows into the token table, sum over the batch for positions.
  const dxBTD = g.op("Reshape", [dx, g.op("Concat", [shapeBT, g.int64([D])], { axis: 0 })]);
  const tokenTableStart = config.tiedHead ? dHeadWeight : g.op("ConstantOfShape", [g.int64([V, D])], {
    value: { tensor: zeroTensor(floatType) },
  });
  if (!config.tiedHead) gradients.set(LM_HEAD, dHeadWeight);
  gradients.set(
    TOKEN_EMBEDDING,
    g.op("ScatterND", [tokenTableStart, g.unsqueeze(inputIds, [2]), dxBTD], { reduction: "add" }),
  );
  const unusedPositions = g.sub(g.int64([config.contextLength]), seqLength1d);
  const positionPads = g.op("Concat", [g.int64([0, 0]), unusedPositions, g.int64([0])], { axis: 0 });
  gradients.set(POSITION_EMBEDDING, g.op("Pad", [g.reduceSum(dxBTD, [0], false), positionPads]));

  g.output("loss", objective.loss, floatType, []);
  g.output("token_logprobs", g.op("Reshape", [logprobs, shapeBT]), floatType, tokenDims);
  if (policy) {
    const entropy = g.op("Neg", [g.reduceSum(g.mul(probabilities, logSoftmax), [1], false)]);
    g.output("token_entropy", g.op("Reshape", [entropy, shapeBT]), floatType, tokenDims);
  }
  if (options.exposeLogits) {
    const shapeBTV = g.op("Concat", [shapeBT, g.int64([V])], { axis: 0 });
    g.output("logits", g.op("Reshape", [logits, shapeBTV]), floatType, [...tokenDims, V]);
  }
  for (const spec of specs) {
    const gradient = gradients.get(spec.name);
    if (!gradient) throw new Error(`no gradient built for ${spec.name}`);
    g.output(GRADIENT_PREFIX + spec.name, gradient, floatType, spec.shape);
  }
  return g.build({ objective: options.objective });
}

function zeroTensor(floatType: FloatType) {
  return {
    name: "zero",
    elementType: floatType,
    dims: [1],
    data: floatType === "float32" ? new Float32Array(1) : new Float64Array(1),
  };
}
