/**
 * Writes a trained scorer as a Hugging Face-style sequence-classification folder that
 * models/reward_model loads: `config.json`, `tokenizer.json` (the base model's), `tokenizer_config.json`,
 * `onnx/model.onnx`, `README.md`. The folder appears atomically: everything is written (and synced)
 * in a hidden sibling temp dir, then renamed over the target; a previous folder is moved aside first
 * and removed afterwards.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { PooledScorerConfig } from "./pooled_scorer.ts";
import { buildScorerGraph } from "./scorer_graph.ts";

/** What goes into one exported reward-model folder. */
export interface RewardModelExport {
  /** Target folder, e.g. models/default/reward_models/helpfulness. */
  path: string;
  /** Criterion name, used as the label and in the architecture name. */
  criterion: string;
  config: PooledScorerConfig;
  parameters: Map<string, Float32Array>;
  /** The base model's tokenizer.json text (copied verbatim). */
  tokenizerJson: string;
  /** Longest input in tokens (the base model's model_max_length). */
  maxLength: number;
  padToken: string;
  padTokenId: number;
  readme: string;
}

/** The files of a folder by relative path. */
export function folderFiles(spec: RewardModelExport): Map<string, Uint8Array | string> {
  const config = {
    architectures: ["PooledRewardModelForSequenceClassification"],
    model_type: "pooled_reward_model",
    problem_type: "regression",
    num_labels: 1,
    id2label: { "0": spec.criterion },
    label2id: { [spec.criterion]: 0 },
    vocab_size: spec.config.vocabSize,
    hidden_size: spec.config.dim,
    intermediate_size: spec.config.hidden,
    max_position_embeddings: spec.maxLength,
    pad_token_id: spec.padTokenId,
    torch_dtype: "float32",
  };
  const tokenizerConfig = {
    tokenizer_class: "PreTrainedTokenizerFast",
    pad_token: spec.padToken,
    model_max_length: spec.maxLength,
    truncation_side: "left",
    padding_side: "right",
    clean_up_tokenization_spaces: false,
  };
  const graph = buildScorerGraph(spec.config, spec.parameters, { criterion: spec.criterion });
  return new Map<string, Uint8Array | string>([
    ["config.json", JSON.stringify(config, null, 2) + "\n"],
    ["tokenizer.json", spec.tokenizerJson],
    ["tokenizer_config.json", JSON.stringify(tokenizerConfig, null, 2) + "\n"],
    ["onnx/model.onnx", graph],
    ["README.md", spec.readme],
  ]);
}

/** Writes the folder atomically (see the module documentation); returns its total size in bytes. */
export async function writeRewardModelFolder(spec: RewardModelExport): Promise<number> {
  const parent = dirname(spec.path);
  await Deno.mkdir(parent, { recursive: true });
  const unique = crypto.randomUUID().slice(0, 8);
  const temp = join(parent, `.${basename(spec.path)}.${unique}.tmp`);
  const previous = join(parent, `.${basename(spec.path)}.${unique}.old`);
  let bytes = 0;
  try {
    for (const [relative, content] of folderFiles(spec)) {
      const path = join(temp, relative);
      await Deno.mkdir(dirname(path), { recursive: true });
      const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
      const file = await Deno.open(path, { write: true, createNew: true });
      try {
        for (let written = 0; written < data.length;) written += await file.write(data.subarray(written));
        await file.sync();
      } finally {
        file.close();
      }
      bytes += data.length;
    }
    let moved = false;
    try {
      await Deno.rename(spec.path, previous);
      moved = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    try {
      await Deno.rename(temp, spec.path);
    } catch (error) {
      if (moved) await Deno.rename(previous, spec.path);
      throw error;
    }
    if (moved) await Deno.remove(previous, { recursive: true });
  } catch (error) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw error;
  }
  return bytes;
}
