/**
 * The decoder's parameters: names (Hugging Face GPT-2 state-dict names), shapes and initialisation.
 *
 * Linear weights are stored [in, out] as GPT-2's Conv1D does, so `y = x · W + b`.
 */
import type { GptConfig } from "./config.ts";
import type { Rng } from "../random.ts";

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: "normal" | "normal_residual" | "ones" | "zeros";
}

export type Parameters = Map<string, Float32Array>;

/** Parameter names of layer `i`. */
export function layerParameterNames(i: number) {
  const p = `transformer.h.${i}`;
  return {
    ln1Weight: `${p}.ln_1.weight`,
    ln1Bias: `${p}.ln_1.bias`,
    qkvWeight: `${p}.attn.c_attn.weight`,
    qkvBias: `${p}.attn.c_attn.bias`,
    attnOutWeight: `${p}.attn.c_proj.weight`,
    attnOutBias: `${p}.attn.c_proj.bias`,
    ln2Weight: `${p}.ln_2.weight`,
    ln2Bias: `${p}.ln_2.bias`,
    mlpInWeight: `${p}.mlp.c_fc.weight`,
    mlpInBias: `${p}.mlp.c_fc.bias`,
    mlpOutWeight: `${p}.mlp.c_proj.weight`,
    mlpOutBias: `${p}.mlp.c_proj.bias`,
  };
}

export const TOKEN_EMBEDDING = "transformer.wte.weight";
export const POSITION_EMBEDDING = "transformer.wpe.weight";
export const FINAL_NORM_WEIGHT = "transformer.ln_f.weight";
export const FINAL_NORM_BIAS = "transformer.ln_f.bias";
export const LM_HEAD = "lm_head.weight";

/** Every parameter in a fixed order (the order of graph inputs and gradient outputs). */
export function parameterSpecs(config: GptConfig): ParameterSpec[] {
  const { vocabSize: V, contextLength: C, modelDim: D, mlpDim: F } = config;
  const specs: ParameterSpec[] = [
    { name: TOKEN_EMBEDDING, shape: [V, D], init: "normal" },
    { name: POSITION_EMBEDDING, shape: [C, D], init: "normal" },
  ];
  for (let i = 0; i < config.layerCount; i++) {
    const n = layerParameterNames(i);
    specs.push(
      { name: n.ln1Weight, shape: [D], init: "ones" },
      { name: n.ln1Bias, shape: [D], init: "zeros" },
      { name: n.qkvWeight, shape: [D, 3 * D], init: "normal" },
      { name: n.qkvBias, shape: [3 * D], init: "zeros" },
      { name: n.attnOutWeight, shape: [D, D], init: "normal_residual" },
      { name: n.attnOutBias, shape: [D], init: "zeros" },
      { name: n.ln2Weight, shape: [D], init: "ones" },
      { name: n.ln2Bias, shape: [D], init: "zeros" },
      { name: n.mlpInWeight, shape: [D, F], init: "normal" },
      { name: n.mlpInBias, shape: [F], init: "zeros" },
      { name: n.mlpOutWeight, shape: [F, D], init: "normal_residual" },
      { name: n.mlpOutBias, shape: [D], init: "zeros" },
    );
  }
  specs.push(
    { name: FINAL_NORM_WEIGHT, shape: [D], init: "ones" },
    { name: FINAL_NORM_BIAS, shape: [D], init: "zeros" },
  );
  if (!config.tiedHead) specs.push({ name: LM_HEAD, shape: [V, D], init: "normal" });
  return specs;
}

export function parameterCount(config: GptConfig): number {
  return parameterSpecs(config).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** GPT-2 initialisation: N(0, 0.02), residual projections scaled by 1/√(2·layers). */
export function initParameters(config: GptConfig, rng: Rng): Parameters {
  const residualStd = 0.02 / Math.sqrt(2 * config.layerCount);
  const parameters: Parameters = new Map();
  for (const spec of parameterSpecs(config)) {
    const values = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.init === "ones") values.fill(1);
    else if (spec.init !== "zeros") {
      const std = spec.init === "normal" ? 0.02 : residualStd;
      for (let i = 0; i < values.length; i++) values[i] = std * rng.normal();
    }
    parameters.set(spec.name, values);
  }
  return parameters;
}
