import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ModelLoadError } from "./errors.ts";
import { readModelFolder } from "./model_info.ts";
import { testTokenizerJson } from "./_test_model.ts";

const folders: string[] = [];
globalThis.addEventListener(
  "unload",
  () => folders.forEach((dir) => Deno.removeSync(dir, { recursive: true })),
);

/** A folder with the given JSON files, the fixture tokenizer and a stand-in graph file. */
async function folder(files: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "model_info_test_" });
  folders.push(dir);
  await Deno.mkdir(join(dir, "onnx"));
  await Deno.writeTextFile(join(dir, "onnx", "model.onnx"), "graph bytes");
  await Deno.writeTextFile(join(dir, "tokenizer.json"), JSON.stringify(testTokenizerJson()));
  for (const [name, value] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), JSON.stringify(value));
  }
  return dir;
}

Deno.test("reads context length, EOS ids and special tokens under each exporter's names", async () => {
  const llamaLike = await folder({
    "config.json": { model_type: "llama", max_position_embeddings: 2048, vocab_size: 300, eos_token_id: 2 },
    "generation_config.json": { eos_token_id: [2, 0, 2] },
    "tokenizer_config.json": {
      bos_token: { content: "<|user|>", lstrip: false },
      eos_token: "<|endoftext|>",
      unk_token: null,
      model_max_length: 1e30,
      chat_template: "{{ messages }}",
    },
  });
  const { info, tokenizer } = await readModelFolder({ name: "a", path: llamaLike, version: "v7" });
  assert.deepEqual(info, {
    name: "a",
    version: "v7",
    contextLength: 2048,
    vocabSize: 300,
    eosTokenIds: [2, 0],
    specialTokens: { bos_token: "<|user|>", eos_token: "<|endoftext|>" },
    chatTemplate: "{{ messages }}",
  });
  assert.equal(tokenizer.encode("<|endoftext|>")[0], 0);

  const gptJ = await folder({
    "config.json": { n_ctx: 512, vocab_size: 300 },
    "tokenizer_config.json": { eos_token: "<|assistant|>" },
  });
  const second = await readModelFolder({ name: "b", path: gptJ });
  assert.equal(second.info.contextLength, 512);
  assert.deepEqual(second.info.eosTokenIds, [2], "falls back to the eos_token's id");
  assert.equal(second.info.chatTemplate, undefined);
  const digest = createHash("sha256").update("graph bytes").digest("hex");
  assert.equal(second.info.version, digest.slice(0, 12), "default version: content hash of the graph");
});

Deno.test("a folder without a context length or a config fails with ModelLoadError", async () => {
  const noContext = await folder({ "config.json": { vocab_size: 300 } });
  await assert.rejects(() => readModelFolder({ name: "x", path: noContext }), ModelLoadError);
  const noConfig = await folder({});
  await assert.rejects(() => readModelFolder({ name: "x", path: noConfig }), /config\.json/);
});
