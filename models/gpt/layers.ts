/**
 * Forward building blocks of the decoder, shared by the inference and the training graph.
 *
 * Shapes: N = batch·seq rows of the residual stream [N, D]; attention works on
 * [B, H, S, hd] (queries) against [B, H, L, hd] (keys/values, L = past + S).
 * Each block returns what its backward pass needs (see layers_backward.ts).
 */
import type { GraphBuilder } from "../onnx/graph_builder.ts";

/** Large negative logit bias for masked attention entries (exp underflows to exactly 0). */
export const MASKED_SCORE = -1e9;

export interface LayerNormSaved {
  x: string;
  mean: string;
  invStd: string;
  weight: string;
}

/** LayerNorm over the last axis. x: [N, D] → [N, D]; saves mean and 1/σ [N, 1]. */
export function layerNorm(
  g: GraphBuilder,
  x: string,
  weight: string,
  bias: string,
  epsilon: number,
): { y: string; saved: LayerNormSaved } {
  if (g.floatType === "float64") return layerNormDecomposed(g, x, weight, bias, epsilon);
  const [y, mean, invStd] = g.opMulti("LayerNormalization", [x, weight, bias], 3, {
    axis: -1,
    epsilon: { float: epsilon },
  });
  return { y, saved: { x, mean, invStd, weight } };
}

/** onnxruntime has no float64 LayerNormalization kernel: spell it out for float64 graphs. */
function layerNormDecomposed(
  g: GraphBuilder,
  x: string,
  weight: string,
  bias: string,
  epsilon: number,
): { y: string; saved: LayerNormSaved } {
  const mean = g.reduceMean(x, [-1], true);
  const centered = g.sub(x, mean);
  const variance = g.reduceMean(g.mul(centered, centered), [-1], true);
  const invStd = g.op("Reciprocal", [g.op("Sqrt", [g.add(variance, g.float(epsilon))])]);
  const y = g.add(g.mul(g.mul(centered, invStd), weight), bias);
  return { y, saved: { x, mean, invStd, weight } };
}

/** x: [N, in] · W: [in, out] + b: [out] → [N, out]. */
export function linear(g: GraphBuilder, x: string, weight: string, bias: string): string {
  return g.op("Gemm", [x, weight, bias]);
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/** GPT-2's gelu_new: 0.5·u·(1 + tanh(√(2/π)·(u + 0.044715·u³))). Saves tanh(·) for backward. */
export function geluTanh(g: GraphBuilder, u: string): { a: string; tanh: string } {
  const u3 = g.mul(g.mul(u, u), u);
  const inner = g.mul(g.add(u, g.mul(u3, g.float(GELU_CUBIC))), g.float(GELU_C));
  const tanh = g.op("Tanh", [inner]);
  const a = g.mul(g.mul(u, g.float(0.5)), g.add(tanh, g.float(1)));
  return { a, tanh };
}

/** [N, D] → [B, H, S, hd], with `shapeBSHd` = [B, S, H, hd] as an int64 tensor. */
export function splitHeads(g: GraphBuilder, x: string, shapeBSHd: string): string {
  return g.transpose(g.op("Reshape", [x, shapeBSHd]), [0, 2, 1, 3]);
}

/** [B, H, S, hd] → [N, D]. */
export function mergeHeads(g: GraphBuilder, x: string, modelDim: number): string {
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [-1, modelDim]);
}

/**
 * Additive attention bias [S, L]: 0 where key j ≤ query's absolute position, MASKED_SCORE after.
 * Queries sit at positions L−S … L−1 (the new tokens after a KV cache of L−S).
 */
export function causalBias(g: GraphBuilder, queryLength: string, keyLength: string): string {
  const one = g.int64([1], []);
  const zero = g.int64([0], []);
  const queryPositions = g.op("Range", [g.sub(keyLength, queryLength), keyLength, one]);
  const keyPositions = g.op("Range", [zero, keyLength, one]);
  const allowed = g.op("LessOrEqual", [
    g.unsqueeze(keyPositions, [0]),
    g.unsqueeze(queryPositions, [1]),
  ]);
  return g.op("Where", [allowed, g.float(0), g.float(MASKED_SCORE)]);
}

export interface AttentionSaved {
  queryScaled: string;
  key: string;
  value: string;
  probabilities: string;
}

/**
 * softmax(q·kᵀ/√hd + bias)·v. q: [B, H, S, hd], k/v: [B, H, L, hd], bias broadcasts to
 * [B, H, S, L] → [B, H, S, hd].
 */
export function attention(
  g: GraphBuilder,
  query: string,
  key: string,
  value: string,
  bias: string,
  headDim: number,
): { y: string; saved: AttentionSaved } {
  const queryScaled = g.mul(query, g.float(1 / Math.sqrt(headDim)));
  const scores = g.add(g.matMul(queryScaled, g.transpose(key, [0, 1, 3, 2])), bias);
  const probabilities = g.op("Softmax", [scores], { axis: -1 });
  const y = g.matMul(probabilities, value);
  return { y, saved: { queryScaled, key, value, probabilities } };
}
