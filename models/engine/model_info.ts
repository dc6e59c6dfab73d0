/**
 * Reads what the engine needs to know about a decoder model folder in the Optimum layout
 * (DESIGN.md, "model folder contract") from its JSON files: context length, end-of-sequence
 * ids, chat template and special tokens, and a version (given, or a content hash of the graph).
 * Sizes of the network itself come from the graph (DecoderSession), not from here.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadTokenizer, type TextTokenizer } from "../tokenizer/mod.ts";
import { ModelLoadError } from "./errors.ts";
import type { ModelInfo } from "./types.ts";

/** Where a model lives and what it is called. */
export interface ModelSpec {
  name: string;
  /** The model folder. */
  path: string;
  /** Version label; default: the first 12 hex digits of SHA-256 of onnx/model.onnx. */
  version?: string;
}

/** Config keys that hold the context length, in the order exporters use them. */
const CONTEXT_KEYS = ["n_positions", "max_position_embeddings", "n_ctx", "seq_length", "max_sequence_length"];

/** Relative path of the graph inside a model folder. */
export const GRAPH_FILE = join("onnx", "model.onnx");

/**
 * Reads a model folder's metadata and tokenizer. `vocabSize` is config.json's `vocab_size`
 * (the engine replaces it with the graph's logits width once the session is loaded).
 *
 * @example
 * ```ts ignore
 * const { info, tokenizer } = await readModelFolder({ name: "default", path: "models/default" });
 * console.log(info.contextLength, info.eosTokenIds, tokenizer.encode("hello"));
 * ```
 */
export async function readModelFolder(
  spec: ModelSpec,
): Promise<{ info: ModelInfo; tokenizer: TextTokenizer }> {
  const config = await readJson(spec.path, "config.json", true);
  const generationConfig = await readJson(spec.path, "generation_config.json", false);
  const tokenizerConfig = await readJson(spec.path, "tokenizer_config.json", false);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = await loadTokenizer(spec.path);
  } catch (error) {
    throw new ModelLoadError(`${spec.path}: ${(error as Error).message}`, { cause: error });
  }
  const specialTokens = readSpecialTokens(tokenizerConfig);
  const info: ModelInfo = {
    name: spec.name,
    version: spec.version ?? await hashGraph(spec.path),
    contextLength: readContextLength(spec.path, config, tokenizerConfig),
    vocabSize: typeof config.vocab_size === "number" ? config.vocab_size : tokenizer.vocabSize,
    eosTokenIds: readEosIds(generationConfig, config, specialTokens, tokenizer),
    specialTokens,
  };
  if (typeof tokenizerConfig.chat_template === "string") info.chatTemplate = tokenizerConfig.chat_template;
  return { info, tokenizer };
}

function readContextLength(
  path: string,
  config: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
): number {
  for (const key of CONTEXT_KEYS) {
    const value = config[key];
    if (Number.isInteger(value) && (value as number) > 0) return value as number;
  }
  const fromTokenizer = tokenizerConfig.model_max_length;
  // transformers writes a huge sentinel (1e30) when the tokenizer has no limit.
  if (Number.isInteger(fromTokenizer) && (fromTokenizer as number) > 0 && (fromTokenizer as number) < 1e7) {
    return fromTokenizer as number;
  }
  throw new ModelLoadError(`${path}: config.json names no context length (${CONTEXT_KEYS.join(", ")})`);
}

function readEosIds(
  generationConfig: Record<string, unknown>,
  config: Record<string, unknown>,
  specialTokens: Record<string, string>,
  tokenizer: TextTokenizer,
): number[] {
  for (const source of [generationConfig.eos_token_id, config.eos_token_id]) {
    const ids = (Array.isArray(source) ? source : [source]).filter((id) => Number.isInteger(id));
    if (ids.length > 0) return [...new Set(ids as number[])];
  }
  const byName = specialTokens.eos_token === undefined
    ? undefined
    : tokenizer.tokenToId(specialTokens.eos_token);
  return byName === undefined ? [] : [byName];
}

/** `*_token` entries of tokenizer_config.json, as strings or `{ content }` objects. */
function readSpecialTokens(tokenizerConfig: Record<string, unknown>): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const [key, value] of Object.entries(tokenizerConfig)) {
    if (!key.endsWith("_token")) continue;
    const content = typeof value === "string" ? value : (value !== null && typeof value === "object" &&
        typeof (value as { content?: unknown }).content === "string")
      ? (value as { content: string }).content
      : undefined;
    if (content !== undefined) tokens[key] = content;
  }
  return tokens;
}

async function readJson(dir: string, file: string, required: boolean): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, file));
  } catch (error) {
    if (!required && error instanceof Deno.errors.NotFound) return {};
    throw new ModelLoadError(`${dir}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  } catch (error) {
    throw new ModelLoadError(`${dir}: ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  throw new ModelLoadError(`${dir}: ${file} does not hold a JSON object`);
}

/** First 12 hex digits of SHA-256 of onnx/model.onnx, read in chunks. */
async function hashGraph(dir: string): Promise<string> {
  const path = join(dir, GRAPH_FILE);
  const hash = createHash("sha256");
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    throw new ModelLoadError(`${dir}: cannot read ${GRAPH_FILE}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const read = await file.read(buffer);
      if (read === null) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    file.close();
  }
  return hash.digest("hex").slice(0, 12);
}
