import assert from "node:assert/strict";
import { join } from "node:path";
import { TextTokenizer } from "../tokenizer/mod.ts";
import { RewardModelLoadError, UnknownLabelError } from "./errors.ts";
import { RewardModel } from "./reward_model.ts";
import {
  byteLevelTokenizerJson,
  FIXTURE_SPECIALS,
  FIXTURE_WORDS,
  fixtureWeights,
  referenceLogits,
  wordLevelTokenizerJson,
  writeClassifierFolder,
} from "./_test_model.ts";

/** Independent WordLevel encoding: lower-case, split \w+ | [^\w\s]+, unknown → [UNK], [CLS] … [SEP]. */
function referenceIds(text: string, maxLength = Infinity): number[] {
  const vocab = [...FIXTURE_SPECIALS, ...FIXTURE_WORDS];
  const content = (text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? []).map((word) => {
    const id = vocab.indexOf(word);
    return id >= 0 ? id : 1;
  });
  const room = maxLength - 2;
  return [2, ...(content.length > room ? content.slice(content.length - room) : content), 3];
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `index ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance})`,
    );
  }
}

const TEXTS = [
  "How do I boil eggs?\nSimmer them for nine minutes.",
  "A good answer!",
  "the the the the the the the the the the the the the the the the the the bad", // truncated
  "Terrible, unknown words here.",
  "good",
];

Deno.test("BERT-style fixture: logits match the TypeScript network; padding and batching change nothing", async () => {
  const weights = fixtureWeights({ vocabSize: 30, dim: 6, labels: 2, tokenTypes: true });
  const dir = await writeClassifierFolder({
    tokenizerJson: wordLevelTokenizerJson(),
    weights,
    config: { id2label: { "0": "NEGATIVE", "1": "POSITIVE" }, max_position_embeddings: 64 },
    tokenizerConfig: { model_max_length: 16, pad_token: "[PAD]" },
  });
  const batched = await RewardModel.load(dir, { maxBatchSize: 8 });
  const single = await RewardModel.load(dir, { maxBatchSize: 1 });
  try {
    assert.deepEqual(batched.labels, ["NEGATIVE", "POSITIVE"]);
    assert.equal(batched.encoder.maxLength, 16);
    assert.deepEqual([...batched.inputTypes.keys()].sort(), [
      "attention_mask",
      "input_ids",
      "token_type_ids",
    ]);
    for (const text of TEXTS) assert.deepEqual(batched.encoder.encode(text), referenceIds(text, 16));

    const logits = await batched.logits(TEXTS);
    const expected = TEXTS.flatMap((text) => referenceLogits(weights, referenceIds(text, 16)));
    assertClose(logits, expected, 1e-5);
    // Batch of 1 (no padding at all) gives the same numbers as the padded batch.
    assertClose(await single.logits(TEXTS), logits, 1e-6);
    // A short text's score does not depend on what it is batched with.
    const alone = await batched.scores([TEXTS[4]], 1);
    const withLong = await batched.scores([TEXTS[4], TEXTS[2]], 1);
    assertClose([withLong[0]], alone, 1e-6);

    assert.equal(batched.labelIndex(), 1);
    assert.equal(batched.labelIndex("negative"), 0);
    assert.equal(batched.labelIndex("LABEL_1"), 1);
    assert.throws(() => batched.labelIndex("neutral"), UnknownLabelError);
  } finally {
    await batched.release();
    await single.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("byte-level fixture: onnx/model.onnx, int32 inputs, one logit, no token types", async () => {
  const tokenizerJson = byteLevelTokenizerJson();
  const tokenizer = TextTokenizer.fromJson(tokenizerJson);
  const weights = fixtureWeights({
    vocabSize: tokenizer.vocabSize,
    dim: 5,
    labels: 1,
    tokenTypes: false,
    seed: 3,
  });
  const dir = await writeClassifierFolder({
    tokenizerJson,
    weights,
    config: { num_labels: 1, max_position_embeddings: 12 },
    nested: true,
    inputType: "int32",
  });
  const model = await RewardModel.load(dir, { truncationSide: "right" });
  try {
    assert.deepEqual(model.labels, ["LABEL_0"]);
    assert.equal(model.labelIndex(), 0);
    const texts = ["A good answer.", "How do I boil eggs? Simmer them for nine minutes.", ""];
    const scores = await model.scores(texts, 0);
    const idsOf = (text: string) => tokenizer.encode(text).slice(0, 12); // right truncation at 12
    assert.ok(tokenizer.encode(texts[1]).length > 12);
    assertClose(
      scores.subarray(0, 2),
      texts.slice(0, 2).map((t) => referenceLogits(weights, idsOf(t))[0]),
      1e-5,
    );
    assert.ok(Number.isNaN(scores[2]), "an input without tokens has no score");
  } finally {
    await model.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loading: clear errors for a missing graph, bad inputs, label mismatches and many labels", async () => {
  const weights = fixtureWeights({ vocabSize: 30, dim: 4, labels: 3, tokenTypes: false });
  const dir = await writeClassifierFolder({ tokenizerJson: wordLevelTokenizerJson(), weights });
  try {
    const model = await RewardModel.load(dir);
    assert.deepEqual(model.labels, ["LABEL_0", "LABEL_1", "LABEL_2"]);
    assert.throws(() => model.labelIndex(), /has 3 labels .*name the one to score/);
    assert.equal(model.labelIndex(2), 2);
    await model.release();

    await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify({ num_labels: 2 }));
    await assert.rejects(RewardModel.load(dir), /config\.json has 2 labels, the graph's logits 3/);

    await Deno.remove(join(dir, "model.onnx"));
    await assert.rejects(RewardModel.load(dir), RewardModelLoadError);
    await assert.rejects(RewardModel.load(dir), /no model\.onnx or onnx\/model\.onnx/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
