/**
 * Sizes of the project's GPT-style decoder, and their Hugging Face GPT-2 names.
 *
 * The architecture is GPT-2's (pre-LayerNorm blocks, learned positions,
 * tanh-GELU MLP), so checkpoints and config.json read as `model_type: "gpt2"`.
 */
import { z } from "zod";

export const GptConfigSchema = z.object({
  vocabSize: z.number().int().min(2),
  contextLength: z.number().int().min(1),
  modelDim: z.number().int().min(1),
  layerCount: z.number().int().min(1),
  headCount: z.number().int().min(1),
  mlpDim: z.number().int().min(1),
  layerNormEpsilon: z.number().positive().default(1e-5),
  /** Output head shares the token embedding (GPT-2) or has its own `lm_head.weight`. */
  tiedHead: z.boolean().default(true),
}).refine((c) => c.modelDim % c.headCount === 0, {
  message: "modelDim must be divisible by headCount",
});

export type GptConfig = z.infer<typeof GptConfigSchema>;

export function headDim(config: GptConfig): number {
  return config.modelDim / config.headCount;
}

/** Token ids the model folder declares (written to config.json and generation_config.json). */
export interface SpecialTokenIds {
  bos: number;
  eos: number;
  pad: number;
}

/** The `config.json` of a Hugging Face GPT-2 model with these sizes. */
export function toHuggingFaceConfig(config: GptConfig, tokens: SpecialTokenIds): Record<string, unknown> {
  return {
    architectures: ["GPT2LMHeadModel"],
    model_type: "gpt2",
    vocab_size: config.vocabSize,
    n_positions: config.contextLength,
    n_ctx: config.contextLength,
    n_embd: config.modelDim,
    n_layer: config.layerCount,
    n_head: config.headCount,
    n_inner: config.mlpDim,
    activation_function: "gelu_new",
    layer_norm_epsilon: config.layerNormEpsilon,
    tie_word_embeddings: config.tiedHead,
    bos_token_id: tokens.bos,
    eos_token_id: tokens.eos,
    pad_token_id: tokens.pad,
    use_cache: true,
    torch_dtype: "float32",
  };
}

/** Reads sizes back from a GPT-2 `config.json`. */
export function fromHuggingFaceConfig(json: Record<string, unknown>): GptConfig {
  const modelDim = json.n_embd as number;
  return GptConfigSchema.parse({
    vocabSize: json.vocab_size,
    contextLength: json.n_positions,
    modelDim,
    layerCount: json.n_layer,
    headCount: json.n_head,
    mlpDim: (json.n_inner as number | null) ?? 4 * modelDim,
    layerNormEpsilon: json.layer_norm_epsilon ?? 1e-5,
    tiedHead: json.tie_word_embeddings ?? true,
  });
}
