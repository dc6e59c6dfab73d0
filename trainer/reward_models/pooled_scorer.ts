/**
 * The project's small reward model, in TypeScript (float64 arithmetic): forward score and the
 * Bradley–Terry loss with its hand-written gradient. `scorer_graph.ts` builds the same forward pass
 * as an ONNX sequence-classification graph.
 *
 *     E      = embedding[ids]                                  [S, D]   (padding masked out)
 *     n      = number of tokens;  pooled = Σ_t E_t / n          [D]
 *     f      = [pooled, log n]                                 [D + 1]
 *     a      = tanh(f · W1 + b1)                               [H]
 *     s      = a · W2 + b2                                     scalar (logits [batch, 1])
 *
 * Bradley–Terry over pairs (c ≻ r): L = mean −log σ(s_c − s_r) = mean softplus(s_r − s_c).
 *
 * @module
 */
import type { Rng } from "../../models/random.ts";

/** Sizes of the pooled scorer. */
export interface PooledScorerConfig {
  vocabSize: number;
  /** Embedding width D. */
  dim: number;
  /** Hidden width H of the MLP. */
  hidden: number;
}

/** Named weights, row-major: Float32Array for training and export, Float64Array for gradient checks. */
export type ScorerParameters = Map<string, Float32Array | Float64Array>;

/** Parameter names and shapes, in a fixed order. */
export function scorerParameterShapes(config: PooledScorerConfig): [string, number[]][] {
  const { vocabSize: V, dim: D, hidden: H } = config;
  return [
    ["embedding", [V, D]],
    ["hidden.weight", [D + 1, H]],
    ["hidden.bias", [H]],
    ["score.weight", [H, 1]],
    ["score.bias", [1]],
  ];
}

/** Seeded initial weights: small embeddings, scaled-normal MLP, zero biases. */
export function initScorerParameters(config: PooledScorerConfig, rng: Rng): Map<string, Float32Array> {
  const { dim: D, hidden: H } = config;
  const scale: Record<string, number> = {
    "embedding": 0.1,
    "hidden.weight": 1 / Math.sqrt(D + 1),
    "score.weight": 1 / Math.sqrt(H),
  };
  return new Map(
    scorerParameterShapes(config).map(([name, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const std = scale[name] ?? 0;
      return [name, Float32Array.from({ length: size }, () => (std === 0 ? 0 : rng.normal(0, std)))];
    }),
  );
}

interface ForwardCache {
  ids: readonly number[];
  features: Float64Array; // [D + 1]
  activations: Float64Array; // [H]
  score: number;
}

function forward(
  parameters: ScorerParameters,
  config: PooledScorerConfig,
  ids: readonly number[],
): ForwardCache {
  const { dim: D, hidden: H } = config;
  const embedding = parameters.get("embedding")!;
  const w1 = parameters.get("hidden.weight")!;
  const b1 = parameters.get("hidden.bias")!;
  const w2 = parameters.get("score.weight")!;
  const b2 = parameters.get("score.bias")!;
  const n = ids.length;
  if (n === 0) throw new RangeError("cannot score an empty sequence");
  const features = new Float64Array(D + 1);
  for (const id of ids) {
    const row = id * D;
    for (let d = 0; d < D; d++) features[d] += embedding[row + d];
  }
  for (let d = 0; d < D; d++) features[d] /= n;
  features[D] = Math.log(n);
  const activations = new Float64Array(H);
  let score = b2[0];
  for (let h = 0; h < H; h++) {
    let z = b1[h];
    for (let j = 0; j <= D; j++) z += features[j] * w1[j * H + h];
    activations[h] = Math.tanh(z);
    score += activations[h] * w2[h];
  }
  return { ids, features, activations, score };
}

/**
 * Score of one unpadded token sequence.
 *
 * @example
 * ```ts
 * import { Rng } from "../../models/random.ts";
 * import { initScorerParameters, scoreSequence } from "./pooled_scorer.ts";
 * const config = { vocabSize: 10, dim: 4, hidden: 3 };
 * const parameters = initScorerParameters(config, new Rng(1));
 * Number.isFinite(scoreSequence(parameters, config, [1, 2, 3])); // true
 * ```
 */
export function scoreSequence(
  parameters: ScorerParameters,
  config: PooledScorerConfig,
  ids: readonly number[],
): number {
  return forward(parameters, config, ids).score;
}

/** Adds ∂(weight·s)/∂θ into `gradients`. */
function backward(
  cache: ForwardCache,
  weight: number,
  parameters: ScorerParameters,
  config: PooledScorerConfig,
  gradients: Map<string, Float64Array>,
): void {
  const { dim: D, hidden: H } = config;
  const w1 = parameters.get("hidden.weight")!;
  const w2 = parameters.get("score.weight")!;
  const gEmbedding = gradients.get("embedding")!;
  const gW1 = gradients.get("hidden.weight")!;
  const gB1 = gradients.get("hidden.bias")!;
  const gW2 = gradients.get("score.weight")!;
  gradients.get("score.bias")![0] += weight;
  const dz = new Float64Array(H); // ∂/∂(f·W1 + b1)
  for (let h = 0; h < H; h++) {
    const a = cache.activations[h];
    gW2[h] += weight * a;
    dz[h] = weight * w2[h] * (1 - a * a);
    gB1[h] += dz[h];
  }
  const dPooled = new Float64Array(D);
  for (let j = 0; j <= D; j++) {
    let sum = 0;
    for (let h = 0; h < H; h++) {
      gW1[j * H + h] += cache.features[j] * dz[h];
      sum += w1[j * H + h] * dz[h];
    }
    if (j < D) dPooled[j] = sum / cache.ids.length; // log n has no parameters
  }
  for (const id of cache.ids) {
    const row = id * D;
    for (let d = 0; d < D; d++) gEmbedding[row + d] += dPooled[d];
  }
}

/** A batch of preference pairs as token ids (chosen[i] ≻ rejected[i]). */
export interface PairBatch {
  chosen: readonly (readonly number[])[];
  rejected: readonly (readonly number[])[];
}

/** Softplus, stable for large |x|. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Mean Bradley–Terry loss of a batch and its gradient for every parameter (float64).
 *
 * @example
 * ```ts
 * import { Rng } from "../../models/random.ts";
 * import { bradleyTerryLoss, initScorerParameters } from "./pooled_scorer.ts";
 * const config = { vocabSize: 10, dim: 4, hidden: 3 };
 * const parameters = initScorerParameters(config, new Rng(1));
 * const { loss, gradients } = bradleyTerryLoss(parameters, config, { chosen: [[1, 2]], rejected: [[3]] });
 * loss > 0 && gradients.get("embedding")!.length === 40; // true
 * ```
 */
export function bradleyTerryLoss(
  parameters: ScorerParameters,
  config: PooledScorerConfig,
  batch: PairBatch,
): { loss: number; gradients: Map<string, Float64Array>; margins: Float64Array } {
  const count = batch.chosen.length;
  if (count === 0 || batch.rejected.length !== count) throw new RangeError("need matching, non-empty pairs");
  const gradients = new Map(
    [...parameters].map(([name, values]) => [name, new Float64Array(values.length)]),
  );
  const margins = new Float64Array(count);
  let loss = 0;
  for (let i = 0; i < count; i++) {
    const chosen = forward(parameters, config, batch.chosen[i]);
    const rejected = forward(parameters, config, batch.rejected[i]);
    const margin = chosen.score - rejected.score;
    margins[i] = margin;
    loss += softplus(-margin) / count;
    const weight = 1 / (1 + Math.exp(margin)) / count; // σ(−Δ)/count = −∂L/∂s_c = ∂L/∂s_r
    backward(chosen, -weight, parameters, config, gradients);
    backward(rejected, weight, parameters, config, gradients);
  }
  return { loss, gradients, margins };
}
