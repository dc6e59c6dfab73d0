/**
 * The inference graph in the Hugging Face Optimum / transformers.js decoder layout
 * (DESIGN.md, "model folder contract"), weights stored as initializers:
 *
 *   input_ids, position_ids: int64 [B, S]; attention_mask: int64 [B, P + S];
 *   past_key_values.{i}.key|value: float32 [B, H, P, hd]
 *   → logits: [B, S, V]; present.{i}.key|value: [B, H, P + S, hd]
 *
 * plus an optional extra the engine uses when present (decoder_session.ts `providesNewKeyValues`):
 *
 *   → new_key_values.{i}.key|value: [B, H, S, hd], the K/V of the S new tokens alone
 *     (= the last S columns of present), so a caller keeping its own cache need not fetch present.
 */
import { GraphBuilder } from "../onnx/graph_builder.ts";
import type { OnnxModel } from "../onnx/onnx_model.ts";
import { type GptConfig, headDim } from "./config.ts";
import { decoderBlock } from "./decoder_block.ts";
import { causalBias, layerNorm, MASKED_SCORE } from "./layers.ts";
import {
  FINAL_NORM_BIAS,
  FINAL_NORM_WEIGHT,
  LM_HEAD,
  type Parameters,
  parameterSpecs,
  POSITION_EMBEDDING,
  TOKEN_EMBEDDING,
} from "./parameters.ts";

export function buildInferenceGraph(config: GptConfig, parameters: Parameters): OnnxModel {
  const g = new GraphBuilder("gpt_decoder", "float32");
  const D = config.modelDim;
  const H = config.headCount;
  const hd = headDim(config);

  const inputIds = g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const attentionMask = g.input("attention_mask", "int64", [
    "batch_size",
    "past_sequence_length + sequence_length",
  ]);
  const positionIds = g.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  const pastDims = ["batch_size", H, "past_sequence_length", hd];
  const presentDims = ["batch_size", H, "past_sequence_length + sequence_length", hd];
  const newDims = ["batch_size", H, "sequence_length", hd];
  const past = Array.from({ length: config.layerCount }, (_, i) => ({
    key: g.input(`past_key_values.${i}.key`, "float32", pastDims),
    value: g.input(`past_key_values.${i}.value`, "float32", pastDims),
  }));
  for (const spec of parameterSpecs(config)) {
    const values = parameters.get(spec.name);
    if (!values) throw new Error(`missing parameter ${spec.name}`);
    g.initializer(spec.name, "float32", spec.shape, values);
  }

  const shapeBS = g.op("Shape", [inputIds]);
  const queryLength = g.op("Gather", [shapeBS, g.int64([1], [])]);
  const keyLength = g.op("Gather", [g.op("Shape", [attentionMask]), g.int64([1], [])]);
  // Bias [B, 1, S, L]: causal within the window and 0/1 padding from attention_mask.
  const keep = g.cast(g.unsqueeze(attentionMask, [1, 2]), "bool");
  const paddingBias = g.op("Where", [keep, g.float(0), g.float(MASKED_SCORE)]);
  const attentionBias = g.op("Min", [causalBias(g, queryLength, keyLength), paddingBias]);

  const tokens = g.op("Gather", [TOKEN_EMBEDDING, inputIds]);
  const positions = g.op("Gather", [POSITION_EMBEDDING, positionIds]);
  let x = g.reshape(g.add(tokens, positions), [-1, D]);
  const shapeBSHd = g.op("Concat", [shapeBS, g.int64([H, hd])], { axis: 0 });
  for (let layer = 0; layer < config.layerCount; layer++) {
    const block = decoderBlock(g, config, layer, x, {
      shapeBSHd,
      attentionBias,
      past: past[layer],
    });
    g.output(`present.${layer}.key`, block.presentKey, "float32", presentDims);
    g.output(`present.${layer}.value`, block.presentValue, "float32", presentDims);
    g.output(`new_key_values.${layer}.key`, block.newKey, "float32", newDims);
    g.output(`new_key_values.${layer}.value`, block.newValue, "float32", newDims);
    x = block.y;
  }
  const finalNorm = layerNorm(g, x, FINAL_NORM_WEIGHT, FINAL_NORM_BIAS, config.layerNormEpsilon);
  const headWeight = config.tiedHead ? TOKEN_EMBEDDING : LM_HEAD;
  const logits = g.op("Gemm", [finalNorm.y, headWeight], { transB: 1 });
  const shapeBSV = g.op("Concat", [shapeBS, g.int64([config.vocabSize])], { axis: 0 });
  g.output("logits", g.op("Reshape", [logits, shapeBSV]), "float32", [
    "batch_size",
    "sequence_length",
    config.vocabSize,
  ]);
  return g.build();
}
