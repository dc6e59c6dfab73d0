/**
 * The trainer's model folders: everything of the starting policy's folder except the weights (config,
 * special tokens, tokenizer, generation settings) is kept, and each weight snapshot is written with
 * writeGptModelFolder (atomic: the engine never loads a half-written folder).
 *
 * @module
 */
import { join } from "node:path";
import type { SpecialTokenIds } from "../../models/gpt/config.ts";
import {
  type GptModelFolderContents,
  readGptModelFolder,
  writeGptModelFolder,
} from "../../models/gpt/model_folder.ts";
import type { Parameters } from "../../models/gpt/parameters.ts";

/** A model folder's contents without its weights. */
export type FolderTemplate = Omit<GptModelFolderContents, "parameters">;

async function readJson(dir: string, file: string, required: boolean): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, file)));
  } catch (error) {
    if (!required && error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

/** Weights and the rest of a GPT model folder written by writeGptModelFolder. */
export async function readPolicyFolder(
  dir: string,
): Promise<{ template: FolderTemplate; parameters: Parameters }> {
  const { config, parameters } = await readGptModelFolder(dir);
  const hfConfig = await readJson(dir, "config.json", true);
  const id = (key: string) => typeof hfConfig[key] === "number" ? hfConfig[key] as number : 0;
  const specialTokens: SpecialTokenIds = {
    bos: id("bos_token_id"),
    eos: id("eos_token_id"),
    pad: id("pad_token_id"),
  };
  return {
    template: {
      config,
      specialTokens,
      tokenizer: await readJson(dir, "tokenizer.json", true),
      tokenizerConfig: await readJson(dir, "tokenizer_config.json", false),
      generationConfig: await readJson(dir, "generation_config.json", false),
    },
    parameters,
  };
}

/** Writes `parameters` as a complete model folder at `dir` (replacing it atomically). */
export async function writePolicyFolder(
  dir: string,
  template: FolderTemplate,
  parameters: Parameters,
): Promise<void> {
  await writeGptModelFolder(dir, { ...template, parameters });
}
