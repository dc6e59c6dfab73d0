/**
 * A model folder written by another exporter: a small GPT-2 built in plain PyTorch and exported by
 * torch.onnx.export (tests/fixtures/pytorch_gpt2, see its README.md). The project's DecoderSession and
 * generateSequence must serve it as they serve the project's own graph, reproducing PyTorch's greedy
 * continuations token for token, and a left-padded batch row must match the same prompt run alone.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";
import { DecoderSession, type KvCache } from "../models/decoder_session.ts";
import { generateSequence } from "../models/generate_sequence.ts";
import { Rng } from "../models/random.ts";
import { GREEDY } from "../models/sampling.ts";
import { loadTokenizer } from "../models/tokenizer/mod.ts";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "pytorch_gpt2");
const MODEL_DIR = join(FIXTURE, "model");
const LOGIT_TOLERANCE = 1e-4;

interface ExpectedGreedy {
  torch_version: string;
  new_tokens: number;
  prompts: { text: string; prompt_ids: number[]; greedy_ids: number[] }[];
  first_prompt_last_logits: number[];
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await Deno.readTextFile(path)) as T;
const expected = await readJson<ExpectedGreedy>(join(FIXTURE, "expected_greedy.json"));
const config = await readJson<Record<string, unknown>>(join(MODEL_DIR, "config.json"));

async function withSession(run: (session: DecoderSession) => Promise<void>): Promise<void> {
  const session = await DecoderSession.load(join(MODEL_DIR, "onnx", "model.onnx"), { threads: 1 });
  try {
    await run(session);
  } finally {
    await session.release();
  }
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Logits [S, V] of one prompt run alone (empty cache, positions 0..S-1). */
async function singleRow(session: DecoderSession, ids: readonly number[]) {
  return await session.forward({
    batchSize: 1,
    seqLength: ids.length,
    inputIds: BigInt64Array.from(ids, BigInt),
    attentionMask: new BigInt64Array(ids.length).fill(1n),
    positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
  });
}

Deno.test("pytorch fixture: the folder keeps the model folder contract", async () => {
  for (const file of ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]) {
    assert.ok((await Deno.stat(join(MODEL_DIR, file))).isFile, file);
  }
  const onnxBytes = (await Deno.stat(join(MODEL_DIR, "onnx", "model.onnx"))).size;
  assert.ok(onnxBytes < 2_000_000, `model.onnx is ${onnxBytes} bytes`);
  assert.equal(config.model_type, "gpt2");
  assert.equal(config.tie_word_embeddings, false);
  assert.equal(config.eos_token_id, 0);

  const tokenizer = await loadTokenizer(MODEL_DIR);
  assert.equal(tokenizer.vocabSize, config.vocab_size);
  assert.equal(tokenizer.tokenToId("<|endoftext|>"), 0);
  const tokenizerConfig = await readJson<Record<string, unknown>>(join(MODEL_DIR, "tokenizer_config.json"));
  assert.equal(tokenizerConfig.eos_token, "<|endoftext|>");
  // The chat-format prompt is what the folder's own template renders for one user message.
  const rendered = new Template(tokenizerConfig.chat_template as string).render({
    messages: [{ role: "user", content: "Why does the river rise?" }],
    add_generation_prompt: true,
  });
  assert.equal(rendered, expected.prompts[3].text);
  // The ids PyTorch generated from are the ones the gateway's tokenizer produces.
  for (const prompt of expected.prompts) assert.deepEqual(tokenizer.encode(prompt.text), prompt.prompt_ids);
});

Deno.test("pytorch fixture: layout read from the graph matches config.json", async () => {
  await withSession((session) => {
    assert.deepEqual(session.layout, {
      layerCount: config.n_layer,
      kvHeads: config.n_head,
      headDim: (config.n_embd as number) / (config.n_head as number),
      vocabSize: config.vocab_size,
      takesPositionIds: true,
      providesNewKeyValues: false,
    });
    // Sizes other than the project's own default model (4 layers, 8 heads, head size 32, 4096 tokens).
    assert.deepEqual(
      [session.layout.layerCount, session.layout.kvHeads, session.layout.headDim, session.layout.vocabSize],
      [3, 4, 16, 500],
    );
    const inputs = session.session.inputNames;
    assert.deepEqual(inputs.slice(0, 3), ["input_ids", "attention_mask", "position_ids"]);
    return Promise.resolve();
  });
});

Deno.test("pytorch fixture: greedy generation reproduces PyTorch's tokens exactly", async () => {
  await withSession(async (session) => {
    for (const prompt of expected.prompts) {
      const ids = await generateSequence(session, prompt.prompt_ids, {
        ...GREEDY,
        maxNewTokens: expected.new_tokens,
        stopTokenIds: [],
        contextLength: config.n_positions as number,
      }, new Rng(0));
      assert.deepEqual(ids, prompt.greedy_ids, `prompt ${JSON.stringify(prompt.text)}`);
    }
  });
  // The reference is not degenerate: continuations vary and one of them passes through EOS.
  for (const prompt of expected.prompts) assert.ok(new Set(prompt.greedy_ids).size >= 8);
  assert.ok(expected.prompts.some((p) => p.greedy_ids.includes(0)));
});

Deno.test("pytorch fixture: last-position logits match PyTorch's within 1e-4", async () => {
  await withSession(async (session) => {
    const prompt = expected.prompts[0].prompt_ids;
    const { logits, present } = await singleRow(session, prompt);
    const V = session.layout.vocabSize;
    const last = logits.subarray((prompt.length - 1) * V, prompt.length * V);
    const difference = maxAbsDifference(last, expected.first_prompt_last_logits);
    assert.ok(difference < LOGIT_TOLERANCE, `max |onnx - torch| = ${difference}`);
    // Prefill from a zero-length past: the graph returns the whole prompt's keys and values.
    assert.equal(present.length, prompt.length);
    assert.deepEqual(present.keys[0].dims, [1, 4, prompt.length, 16]);
    assert.deepEqual(present.values[2].dims, [1, 4, prompt.length, 16]);
  });
});

Deno.test("pytorch fixture: a left-padded batch row equals the same prompt run alone", async () => {
  await withSession(async (session) => {
    const V = session.layout.vocabSize;
    const long = expected.prompts[0].prompt_ids; // 10 ids, no padding
    const short = expected.prompts[1].prompt_ids; // 8 ids, left-padded to 10
    const S = long.length;
    const pad = S - short.length;
    assert.ok(pad > 0);
    const padId = 0;

    // Prefill: row 0 padded on the left (mask 0, positions start at 0 at the first real token).
    const batch = await session.forward({
      batchSize: 2,
      seqLength: S,
      inputIds: BigInt64Array.from([...Array(pad).fill(padId), ...short, ...long], BigInt),
      attentionMask: BigInt64Array.from([...Array(pad).fill(0), ...Array(S * 2 - pad).fill(1)], BigInt),
      positionIds: BigInt64Array.from([
        ...Array(pad).fill(0),
        ...short.map((_, i) => i),
        ...long.map((_, i) => i),
      ], BigInt),
    });
    const aloneShort = await singleRow(session, short);
    const aloneLong = await singleRow(session, long);
    const paddedRow = batch.logits.subarray(pad * V, S * V);
    const fullRow = batch.logits.subarray(S * V, 2 * S * V);
    const prefillError = Math.max(
      maxAbsDifference(paddedRow, aloneShort.logits),
      maxAbsDifference(fullRow, aloneLong.logits),
    );
    assert.ok(prefillError < LOGIT_TOLERANCE, `prefill: max difference ${prefillError}`);

    // One decode step on the batch's cache (the padding stays masked) against each row's own cache.
    const next = [7, 11];
    const step = await session.forward({
      batchSize: 2,
      seqLength: 1,
      inputIds: BigInt64Array.from(next, BigInt),
      attentionMask: BigInt64Array.from([
        ...Array(pad).fill(0),
        ...Array(S + 1 - pad).fill(1),
        ...Array(S + 1).fill(1),
      ], BigInt),
      positionIds: BigInt64Array.from([short.length, long.length], BigInt),
      past: batch.present,
    });
    const decodeAlone = async (past: KvCache, token: number, position: number) =>
      (await session.forward({
        batchSize: 1,
        seqLength: 1,
        inputIds: BigInt64Array.of(BigInt(token)),
        attentionMask: new BigInt64Array(position + 1).fill(1n),
        positionIds: BigInt64Array.of(BigInt(position)),
        past,
      })).logits;
    const stepShort = await decodeAlone(aloneShort.present, next[0], short.length);
    const stepLong = await decodeAlone(aloneLong.present, next[1], long.length);
    const decodeError = Math.max(
      maxAbsDifference(step.logits.subarray(0, V), stepShort),
      maxAbsDifference(step.logits.subarray(V, 2 * V), stepLong),
    );
    assert.ok(decodeError < LOGIT_TOLERANCE, `decode: max difference ${decodeError}`);
  });
});
