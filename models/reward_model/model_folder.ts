/**
 * The folder of a bring-your-own Hugging Face sequence-classification model (a reward model, a
 * sentiment or toxicity classifier) exported to ONNX:
 *
 * | file | need | read for |
 * |---|---|---|
 * | `model.onnx` or `onnx/model.onnx` | required | the graph (`input_ids`, `attention_mask` → `logits` [batch, labels]) |
 * | `tokenizer.json` | required | the tokenizer, with its post-processor (`[CLS] … [SEP]`) |
 * | `tokenizer_config.json` | optional | `model_max_length`, `pad_token` |
 * | `config.json` | optional | `id2label` / `num_labels`, `max_position_embeddings`, `pad_token_id`, `model_type` |
 *
 * @module
 */
import { join } from "node:path";
import { RewardModelLoadError } from "./errors.ts";

/** What a sequence-classification folder says about its model, before the graph is loaded. */
export interface RewardModelFolder {
  path: string;
  /** Path of the ONNX graph. */
  graphPath: string;
  /** Parsed tokenizer.json. */
  tokenizerJson: Record<string, unknown>;
  /** Label names by index from `id2label`, if config.json has them. */
  labels?: string[];
  /** `num_labels` or the size of `id2label`, if given. */
  labelCount?: number;
  /** Longest input in tokens the model accepts, if any file says so. */
  maxLength?: number;
  /** Token that fills padded positions (`pad_token`), or its id (`pad_token_id`), if given. */
  padToken?: string;
  padTokenId?: number;
}

/** transformers writes a huge sentinel (1e30) as model_max_length when a tokenizer has no limit. */
const NO_LIMIT = 1e7;
/** Model types whose position ids start after the padding index (2 positions are never usable). */
const OFFSET_POSITIONS = new Set(["roberta", "xlm-roberta", "camembert", "longformer", "bart", "mbart"]);

/**
 * Reads a sequence-classification model folder (see the module documentation).
 *
 * @example
 * ```ts ignore
 * const folder = await readRewardModelFolder("models/my-reward-model");
 * console.log(folder.graphPath, folder.labels, folder.maxLength);
 * ```
 */
export async function readRewardModelFolder(path: string): Promise<RewardModelFolder> {
  const graphPath = await findGraph(path);
  const tokenizerJson = await readJson(path, "tokenizer.json", true);
  const tokenizerConfig = await readJson(path, "tokenizer_config.json", false);
  const config = await readJson(path, "config.json", false);
  const folder: RewardModelFolder = { path, graphPath, tokenizerJson };

  const id2label = config.id2label;
  if (id2label !== null && typeof id2label === "object") {
    const entries = Object.entries(id2label as Record<string, unknown>);
    const labels: string[] = [];
    for (const [key, value] of entries) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof value !== "string") {
        throw new RewardModelLoadError(`${path}: config.json id2label must map 0..n-1 to names`);
      }
      labels[index] = value;
    }
    folder.labels = labels;
    folder.labelCount = labels.length;
  }
  if (isPositiveInteger(config.num_labels)) folder.labelCount ??= config.num_labels;

  const limits: number[] = [];
  if (isPositiveInteger(tokenizerConfig.model_max_length) && tokenizerConfig.model_max_length < NO_LIMIT) {
    limits.push(tokenizerConfig.model_max_length);
  }
  const truncation = tokenizerJson.truncation as { max_length?: unknown } | null | undefined;
  if (isPositiveInteger(truncation?.max_length)) limits.push(truncation.max_length);
  if (isPositiveInteger(config.max_position_embeddings)) {
    const offset = OFFSET_POSITIONS.has(String(config.model_type)) ? 2 : 0;
    limits.push(config.max_position_embeddings - offset);
  }
  if (limits.length > 0) folder.maxLength = Math.min(...limits);

  const padToken = tokenizerConfig.pad_token;
  if (typeof padToken === "string") folder.padToken = padToken;
  else if (typeof (padToken as { content?: unknown } | null)?.content === "string") {
    folder.padToken = (padToken as { content: string }).content;
  }
  if (Number.isInteger(config.pad_token_id) && (config.pad_token_id as number) >= 0) {
    folder.padTokenId = config.pad_token_id as number;
  }
  return folder;
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

async function findGraph(path: string): Promise<string> {
  for (const candidate of [join(path, "model.onnx"), join(path, "onnx", "model.onnx")]) {
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new RewardModelLoadError(`${path}: cannot read ${candidate}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  throw new RewardModelLoadError(`${path}: no model.onnx or onnx/model.onnx`);
}

async function readJson(dir: string, file: string, required: boolean): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, file));
  } catch (error) {
    if (!required && error instanceof Deno.errors.NotFound) return {};
    throw new RewardModelLoadError(`${dir}: cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RewardModelLoadError(`${dir}: ${file} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RewardModelLoadError(`${dir}: ${file} does not hold a JSON object`);
  }
  return value as Record<string, unknown>;
}
