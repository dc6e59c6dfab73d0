import assert from "node:assert/strict";
import { join } from "node:path";
import { DecoderSession } from "../decoder_session.ts";
import { readGptModelFolder, writeGptModelFolder } from "./model_folder.ts";
import { randomWeights, tinyConfig } from "./_test_support.ts";

const config = tinyConfig();
const contents = (seed: number) => ({
  config,
  parameters: randomWeights(config, seed, (n) => new Float32Array(n)),
  specialTokens: { bos: 0, eos: 0, pad: 0 },
  tokenizer: { version: "1.0" },
  tokenizerConfig: { eos_token: "<|endoftext|>" },
  generationConfig: { temperature: 0.8 },
  extraFiles: { "MODEL_CARD.md": "# card\n" },
});

Deno.test("a written model folder follows the contract and reads back the same weights", async () => {
  const dir = join(await Deno.makeTempDir(), "model");
  await writeGptModelFolder(dir, contents(1));
  const files = [
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "MODEL_CARD.md",
  ];
  for (const file of files) assert.ok((await Deno.stat(join(dir, file))).isFile, file);
  const hf = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
  assert.equal(hf.model_type, "gpt2");
  assert.equal(hf.n_embd, config.modelDim);
  const back = await readGptModelFolder(dir);
  assert.deepEqual(back.config, config);
  assert.deepEqual(back.parameters, contents(1).parameters);
  const session = await DecoderSession.load(join(dir, "onnx", "model.onnx"), { threads: 1 });
  assert.equal(session.layout.layerCount, config.layerCount);
  await session.release();
});

Deno.test("rewriting a folder replaces it whole, and a failed write leaves the old one intact", async () => {
  const parent = await Deno.makeTempDir();
  const dir = join(parent, "model");
  await writeGptModelFolder(dir, contents(1));
  await writeGptModelFolder(dir, contents(2));
  assert.deepEqual((await readGptModelFolder(dir)).parameters, contents(2).parameters);

  const broken = contents(3);
  broken.parameters.delete("transformer.ln_f.bias");
  await assert.rejects(() => writeGptModelFolder(dir, broken), /missing parameter/);
  assert.deepEqual((await readGptModelFolder(dir)).parameters, contents(2).parameters);
  assert.deepEqual([...Deno.readDirSync(parent)].map((e) => e.name), ["model"]);
});
