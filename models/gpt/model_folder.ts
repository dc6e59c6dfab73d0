/**
 * Writes and reads the project's decoder as a standard model folder (DESIGN.md, "model folder
 * contract"): config.json, generation_config.json, tokenizer.json, tokenizer_config.json and
 * onnx/model.onnx. The ONNX file is the one copy of the weights; `readGptModelFolder` reads
 * them back from its initializers.
 */
import { join } from "node:path";
import { encodeOnnxModel } from "../onnx/onnx_model.ts";
import { readFloatInitializers } from "../onnx/read_initializers.ts";
import {
  fromHuggingFaceConfig,
  type GptConfig,
  type SpecialTokenIds,
  toHuggingFaceConfig,
} from "./config.ts";
import { buildInferenceGraph } from "./inference_graph.ts";
import { type Parameters, parameterSpecs } from "./parameters.ts";

export interface GptModelFolderContents {
  config: GptConfig;
  parameters: Parameters;
  specialTokens: SpecialTokenIds;
  /** tokenizer.json content. */
  tokenizer: unknown;
  /** tokenizer_config.json content (special tokens, chat_template). */
  tokenizerConfig: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  /** Further files by relative path (model card, pictures, logs). */
  extraFiles?: Record<string, Uint8Array | string>;
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";

/**
 * Writes the folder at `dir` as a whole: files go to a sibling temp folder, are synced, and the
 * folder is renamed into place, so readers never see a half-written model.
 */
export async function writeGptModelFolder(dir: string, contents: GptModelFolderContents): Promise<void> {
  const files: Record<string, Uint8Array | string> = {
    "config.json": json(toHuggingFaceConfig(contents.config, contents.specialTokens)),
    "generation_config.json": json({
      bos_token_id: contents.specialTokens.bos,
      eos_token_id: contents.specialTokens.eos,
      pad_token_id: contents.specialTokens.pad,
      ...contents.generationConfig,
    }),
    "tokenizer.json": json(contents.tokenizer),
    "tokenizer_config.json": json(contents.tokenizerConfig),
    "onnx/model.onnx": encodeOnnxModel(buildInferenceGraph(contents.config, contents.parameters)),
    ...contents.extraFiles,
  };
  const staging = `${dir}.partial-${crypto.randomUUID().slice(0, 8)}`;
  try {
    for (const [relative, data] of Object.entries(files)) {
      const path = join(staging, relative);
      await Deno.mkdir(join(path, ".."), { recursive: true });
      const file = await Deno.open(path, { write: true, createNew: true });
      try {
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
        for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
        await file.sync();
      } finally {
        file.close();
      }
    }
    await replaceDirectory(staging, dir);
  } catch (error) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Renames `staging` to `dir`, moving an existing `dir` aside first and deleting it after. */
async function replaceDirectory(staging: string, dir: string): Promise<void> {
  const previous = `${dir}.previous-${crypto.randomUUID().slice(0, 8)}`;
  let movedAside = false;
  try {
    await Deno.rename(dir, previous);
    movedAside = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  try {
    await Deno.rename(staging, dir);
  } catch (error) {
    if (movedAside) await Deno.rename(previous, dir);
    throw error;
  }
  if (movedAside) await Deno.remove(previous, { recursive: true });
}

/** Config and weights of a folder written by `writeGptModelFolder`. */
export async function readGptModelFolder(
  dir: string,
): Promise<{ config: GptConfig; parameters: Parameters }> {
  const config = fromHuggingFaceConfig(JSON.parse(await Deno.readTextFile(join(dir, "config.json"))));
  const initializers = readFloatInitializers(await Deno.readFile(join(dir, "onnx", "model.onnx")));
  const parameters: Parameters = new Map();
  for (const spec of parameterSpecs(config)) {
    const tensor = initializers.get(spec.name);
    if (!tensor || tensor.dims.join() !== spec.shape.join()) {
      throw new Error(`${dir}: weight ${spec.name} [${spec.shape}] missing or misshapen`);
    }
    parameters.set(spec.name, tensor.data);
  }
  return { config, parameters };
}
