/**
 * One pre-LayerNorm transformer block, forward and backward:
 *
 *   x_mid = x + Wo·attention(LN1(x))
 *   x_out = x_mid + W2·gelu(W1·LN2(x_mid))
 *
 * x: [N, D]. Parameter values are graph values named as in parameters.ts.
 */
import type { GraphBuilder } from "../onnx/graph_builder.ts";
import { type GptConfig, headDim } from "./config.ts";
import {
  attention,
  type AttentionSaved,
  geluTanh,
  layerNorm,
  type LayerNormSaved,
  linear,
  mergeHeads,
  splitHeads,
} from "./layers.ts";
import { attentionBackward, geluTanhBackward, layerNormBackward, linearBackward } from "./layers_backward.ts";
import { layerParameterNames } from "./parameters.ts";

export interface BlockContext {
  /** int64 [4] tensor holding [B, S, H, hd]. */
  shapeBSHd: string;
  /** Additive attention bias broadcasting to [B, H, S, L]. */
  attentionBias: string;
  /** KV cache of earlier positions, [B, H, past, hd] each. */
  past?: { key: string; value: string };
}

export interface BlockTape {
  shapeBSHd: string;
  ln1: LayerNormSaved;
  h1: string;
  attention: AttentionSaved;
  attentionOut: string;
  ln2: LayerNormSaved;
  h2: string;
  mlpPre: string;
  mlpTanh: string;
  mlpAct: string;
}

export function decoderBlock(
  g: GraphBuilder,
  config: GptConfig,
  layer: number,
  x: string,
  context: BlockContext,
): {
  y: string;
  presentKey: string;
  presentValue: string;
  newKey: string;
  newValue: string;
  tape: BlockTape;
} {
  const p = layerParameterNames(layer);
  const D = config.modelDim;
  return g.scoped(`h.${layer}`, () => {
    const ln1 = layerNorm(g, x, p.ln1Weight, p.ln1Bias, config.layerNormEpsilon);
    const qkv = linear(g, ln1.y, p.qkvWeight, p.qkvBias); // [N, 3D]
    const [q, k, v] = g.opMulti("Split", [qkv, g.int64([D, D, D])], 3, { axis: 1 });
    const newKey = splitHeads(g, k, context.shapeBSHd); // [B, H, S, hd]: the new tokens only
    const newValue = splitHeads(g, v, context.shapeBSHd);
    let key = newKey;
    let value = newValue;
    if (context.past) {
      key = g.op("Concat", [context.past.key, key], { axis: 2 });
      value = g.op("Concat", [context.past.value, value], { axis: 2 });
    }
    const query = splitHeads(g, q, context.shapeBSHd);
    const att = attention(g, query, key, value, context.attentionBias, headDim(config));
    const attentionOut = mergeHeads(g, att.y, D);
    const xMid = g.add(x, linear(g, attentionOut, p.attnOutWeight, p.attnOutBias));

    const ln2 = layerNorm(g, xMid, p.ln2Weight, p.ln2Bias, config.layerNormEpsilon);
    const mlpPre = linear(g, ln2.y, p.mlpInWeight, p.mlpInBias); // [N, F]
    const gelu = geluTanh(g, mlpPre);
    const y = g.add(xMid, linear(g, gelu.a, p.mlpOutWeight, p.mlpOutBias));
    const tape: BlockTape = {
      shapeBSHd: context.shapeBSHd,
      ln1: ln1.saved,
      h1: ln1.y,
      attention: att.saved,
      attentionOut,
      ln2: ln2.saved,
      h2: ln2.y,
      mlpPre,
      mlpTanh: gelu.tanh,
      mlpAct: gelu.a,
    };
    return { y, presentKey: key, presentValue: value, newKey, newValue, tape };
  });
}

/** Gradient of the block's input and of each of its parameters (by parameter name). */
export function decoderBlockBackward(
  g: GraphBuilder,
  config: GptConfig,
  layer: number,
  dy: string,
  tape: BlockTape,
): { dx: string; gradients: Map<string, string> } {
  const p = layerParameterNames(layer);
  const D = config.modelDim;
  return g.scoped(`h.${layer}.backward`, () => {
    const gradients = new Map<string, string>();
    const mlpOut = linearBackward(g, dy, tape.mlpAct, p.mlpOutWeight);
    gradients.set(p.mlpOutWeight, mlpOut.dWeight).set(p.mlpOutBias, mlpOut.dBias);
    const dPre = geluTanhBackward(g, mlpOut.dx, tape.mlpPre, tape.mlpTanh);
    const mlpIn = linearBackward(g, dPre, tape.h2, p.mlpInWeight);
    gradients.set(p.mlpInWeight, mlpIn.dWeight).set(p.mlpInBias, mlpIn.dBias);
    const ln2 = layerNormBackward(g, mlpIn.dx, tape.ln2);
    gradients.set(p.ln2Weight, ln2.dWeight).set(p.ln2Bias, ln2.dBias);
    const dMid = g.add(dy, ln2.dx);

    const attnOut = linearBackward(g, dMid, tape.attentionOut, p.attnOutWeight);
    gradients.set(p.attnOutWeight, attnOut.dWeight).set(p.attnOutBias, attnOut.dBias);
    const dHeads = splitHeads(g, attnOut.dx, tape.shapeBSHd);
    const att = attentionBackward(g, dHeads, tape.attention, headDim(config));
    const dQkv = g.op("Concat", [
      mergeHeads(g, att.dQuery, D),
      mergeHeads(g, att.dKey, D),
      mergeHeads(g, att.dValue, D),
    ], { axis: 1 });
    const qkv = linearBackward(g, dQkv, tape.h1, p.qkvWeight);
    gradients.set(p.qkvWeight, qkv.dWeight).set(p.qkvBias, qkv.dBias);
    const ln1 = layerNormBackward(g, qkv.dx, tape.ln1);
    gradients.set(p.ln1Weight, ln1.dWeight).set(p.ln1Bias, ln1.dBias);
    return { dx: g.add(dMid, ln1.dx), gradients };
  });
}
