/**
 * The pooled scorer (pooled_scorer.ts) as a standard sequence-classification ONNX graph: inputs
 * `input_ids`, `attention_mask` (int64 [batch, sequence], 1 = token), output `logits` [batch, 1]. Any
 * runtime that serves Hugging Face sequence-classification exports (models/reward_model) runs it.
 *
 *     E      = Gather(embedding, input_ids)                     [B, S, D]
 *     m      = attention_mask as float                         [B, S, 1]
 *     n      = Σ_t m_t;  pooled = Σ_t m_t E_t / n               [B, 1], [B, D]
 *     f      = Concat(pooled, log n)                           [B, D + 1]
 *     logits = tanh(f · W1 + b1) · W2 + b2                     [B, 1]
 *
 * @module
 */
import { GraphBuilder } from "../../models/onnx/graph_builder.ts";
import { encodeOnnxModel } from "../../models/onnx/onnx_model.ts";
import { type PooledScorerConfig, scorerParameterShapes } from "./pooled_scorer.ts";

/**
 * Encodes the scorer's ONNX graph with `parameters` as float32 initializers.
 *
 * @example
 * ```ts
 * import { Rng } from "../../models/random.ts";
 * import { initScorerParameters } from "./pooled_scorer.ts";
 * import { buildScorerGraph } from "./scorer_graph.ts";
 * const config = { vocabSize: 10, dim: 4, hidden: 3 };
 * const bytes = buildScorerGraph(config, initScorerParameters(config, new Rng(1)));
 * bytes.length > 0; // true
 * ```
 */
export function buildScorerGraph(
  config: PooledScorerConfig,
  parameters: Map<string, Float32Array>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const g = new GraphBuilder("pooled_reward_model", "float32");
  const weights = new Map<string, string>();
  for (const [name, shape] of scorerParameterShapes(config)) {
    const values = parameters.get(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!values || values.length !== size) throw new RangeError(`parameter ${name} must hold ${size} values`);
    weights.set(name, g.initializer(name, "float32", shape, values));
  }
  const ids = g.input("input_ids", "int64", ["batch", "sequence"]);
  const mask = g.input("attention_mask", "int64", ["batch", "sequence"]);
  const tokens = g.op("Gather", [weights.get("embedding")!, ids], { axis: 0 }); // [B, S, D]
  const maskFloat = g.unsqueeze(g.castFloat(mask), [2]); // [B, S, 1]
  const summed = g.reduceSum(g.mul(tokens, maskFloat), [1], false); // [B, D]
  const counts = g.reduceSum(maskFloat, [1], false); // [B, 1]
  const features = g.op("Concat", [g.div(summed, counts), g.op("Log", [counts])], { axis: 1 }); // [B, D+1]
  const hidden = g.op("Tanh", [
    g.add(g.matMul(features, weights.get("hidden.weight")!), weights.get("hidden.bias")!),
  ]);
  const logits = g.add(g.matMul(hidden, weights.get("score.weight")!), weights.get("score.bias")!); // [B, 1]
  g.output("logits", logits, "float32", ["batch", 1]);
  return encodeOnnxModel(g.build(metadata));
}
