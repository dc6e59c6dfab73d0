/**
 * Test fixture: tiny sequence-classification model folders built with the project's graph builder,
 * plus the same network in plain TypeScript (float64) so tests can check the runtime's scores.
 *
 * Network (shapes in comments): masked mean of token embeddings (plus the token-type embedding
 * row 0 when the graph takes token_type_ids), tanh, linear → logits.
 *
 *     E      = embedding[input_ids] (+ typeEmbedding[token_type_ids])   [B, S, D]
 *     pooled = Σ_t mask_t E_t / Σ_t mask_t                              [B, D]
 *     logits = tanh(pooled) · W + b                                    [B, L]
 *
 * @module
 */
import { join } from "node:path";
import { GraphBuilder } from "../onnx/graph_builder.ts";
import { encodeOnnxModel } from "../onnx/onnx_model.ts";
import { Rng } from "../random.ts";
import { trainByteLevelBpe } from "../tokenizer/mod.ts";

// deno-fmt-ignore
/** Words of the WordLevel fixture tokenizer, after its four special tokens. */
export const FIXTURE_WORDS = [
  "the", "a", "is", "was", "good", "bad", "great", "terrible", "answer", "question", "day", "how", "do",
  "i", "boil", "eggs", "simmer", "them", "for", "nine", "minutes", "?", ".", "!", ",", ":",
];

/** The WordLevel fixture's special tokens, ids 0..3. */
export const FIXTURE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"];

/** A BERT-style tokenizer.json: lower-casing, whitespace/punctuation split, `[CLS] … [SEP]`. */
export function wordLevelTokenizerJson(): Record<string, unknown> {
  const vocab = Object.fromEntries([...FIXTURE_SPECIALS, ...FIXTURE_WORDS].map((token, id) => [token, id]));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: FIXTURE_SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "Lowercase" },
    pre_tokenizer: { type: "Whitespace" },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2] },
    decoder: null,
    model: { type: "WordLevel", vocab, unk_token: "[UNK]" },
  };
}

/** A byte-level BPE tokenizer.json (the project's own kind, no post-processor). */
export function byteLevelTokenizerJson(): Record<string, unknown> {
  const json = trainByteLevelBpe(["How do I boil eggs? Simmer them for nine minutes.", "A good answer."], {
    vocabSize: 280,
    specialTokens: ["<|endoftext|>"],
  });
  return json as unknown as Record<string, unknown>;
}

/** Weights of the fixture network, row-major. */
export interface FixtureWeights {
  vocabSize: number;
  dim: number;
  labels: number;
  embedding: Float32Array; // [V, D]
  typeEmbedding?: Float32Array; // [2, D]
  weight: Float32Array; // [D, L]
  bias: Float32Array; // [L]
}

/** Random fixture weights (seeded). */
export function fixtureWeights(
  options: { vocabSize: number; dim: number; labels: number; tokenTypes: boolean; seed?: number },
): FixtureWeights {
  const rng = new Rng(options.seed ?? 7);
  const draw = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 1));
  return {
    vocabSize: options.vocabSize,
    dim: options.dim,
    labels: options.labels,
    embedding: draw(options.vocabSize * options.dim),
    typeEmbedding: options.tokenTypes ? draw(2 * options.dim) : undefined,
    weight: draw(options.dim * options.labels),
    bias: draw(options.labels),
  };
}

/** The fixture graph: inputs input_ids, attention_mask (+ token_type_ids), output logits. */
export function buildClassifierGraph(
  weights: FixtureWeights,
  inputType: "int64" | "int32" = "int64",
): Uint8Array {
  const { vocabSize: V, dim: D, labels: L } = weights;
  const g = new GraphBuilder("sequence_classifier", "float32");
  const ids = g.input("input_ids", inputType, ["batch", "sequence"]);
  const mask = g.input("attention_mask", inputType, ["batch", "sequence"]);
  const embedding = g.initializer("embedding", "float32", [V, D], weights.embedding);
  let tokens = g.op("Gather", [embedding, ids], { axis: 0 }); // [B, S, D]
  if (weights.typeEmbedding) {
    const types = g.input("token_type_ids", inputType, ["batch", "sequence"]);
    const table = g.initializer("type_embedding", "float32", [2, D], weights.typeEmbedding);
    tokens = g.add(tokens, g.op("Gather", [table, types], { axis: 0 }));
  }
  const maskFloat = g.unsqueeze(g.castFloat(mask), [2]); // [B, S, 1]
  const summed = g.reduceSum(g.mul(tokens, maskFloat), [1], false); // [B, D]
  const counts = g.reduceSum(maskFloat, [1], false); // [B, 1]
  const hidden = g.op("Tanh", [g.div(summed, counts)]); // [B, D]
  const weight = g.initializer("classifier.weight", "float32", [D, L], weights.weight);
  const bias = g.initializer("classifier.bias", "float32", [L], weights.bias);
  g.output("logits", g.add(g.matMul(hidden, weight), bias), "float32", ["batch", L]);
  return encodeOnnxModel(g.build());
}

/** The fixture network in float64 TypeScript: logits [L] of one unpadded id sequence. */
export function referenceLogits(weights: FixtureWeights, ids: readonly number[]): number[] {
  const { dim: D, labels: L } = weights;
  const pooled = new Float64Array(D);
  for (const id of ids) {
    for (let d = 0; d < D; d++) {
      pooled[d] += weights.embedding[id * D + d] + (weights.typeEmbedding ? weights.typeEmbedding[d] : 0);
    }
  }
  const hidden = Array.from(pooled, (sum) => Math.tanh(sum / ids.length));
  return Array.from({ length: L }, (_, l) => {
    let logit = weights.bias[l];
    for (let d = 0; d < D; d++) logit += hidden[d] * weights.weight[d * L + l];
    return logit;
  });
}

/** Files of a fixture folder besides the graph. */
export interface FixtureFolderOptions {
  tokenizerJson: Record<string, unknown>;
  weights: FixtureWeights;
  config?: Record<string, unknown>;
  tokenizerConfig?: Record<string, unknown>;
  /** Put the graph in onnx/model.onnx instead of model.onnx. */
  nested?: boolean;
  inputType?: "int64" | "int32";
}

/** Writes a fixture model folder in a new temp dir and returns its path (remove it when done). */
export async function writeClassifierFolder(options: FixtureFolderOptions): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "reward_model_" });
  const graphDir = options.nested ? join(dir, "onnx") : dir;
  await Deno.mkdir(graphDir, { recursive: true });
  await Deno.writeFile(
    join(graphDir, "model.onnx"),
    buildClassifierGraph(options.weights, options.inputType),
  );
  await Deno.writeTextFile(join(dir, "tokenizer.json"), JSON.stringify(options.tokenizerJson));
  if (options.config) await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(options.config));
  if (options.tokenizerConfig) {
    await Deno.writeTextFile(join(dir, "tokenizer_config.json"), JSON.stringify(options.tokenizerConfig));
  }
  return dir;
}
