/** Shared fixtures of the gpt/ tests: a tiny config and deterministic random weights. */
import { Rng } from "../random.ts";
import { type GptConfig, GptConfigSchema } from "./config.ts";
import { parameterSpecs } from "./parameters.ts";

export function tinyConfig(overrides: Partial<GptConfig> = {}): GptConfig {
  return GptConfigSchema.parse({
    vocabSize: 11,
    contextLength: 8,
    modelDim: 8,
    layerCount: 2,
    headCount: 2,
    mlpDim: 12,
    ...overrides,
  });
}

/** Weights far from initialisation (LayerNorm gains around 1), so every path carries gradient. */
export function randomWeights<T extends Float32Array | Float64Array>(
  config: GptConfig,
  seed: number,
  make: (n: number) => T,
): Map<string, T> {
  const rng = new Rng(seed);
  const weights = new Map<string, T>();
  for (const spec of parameterSpecs(config)) {
    const values = make(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) {
      values[i] = spec.init === "ones" ? 1 + 0.3 * (rng.nextFloat() - 0.5) : rng.nextFloat() - 0.5;
    }
    weights.set(spec.name, values);
  }
  return weights;
}

export function randomTokens(count: number, vocabSize: number, rng: Rng): BigInt64Array {
  return BigInt64Array.from({ length: count }, () => BigInt(rng.nextInt(vocabSize)));
}
