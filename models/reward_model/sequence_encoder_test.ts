import assert from "node:assert/strict";
import { Tokenizer } from "@huggingface/tokenizers";
import { SequenceEncoder } from "./sequence_encoder.ts";
import { wordLevelTokenizerJson } from "./_test_model.ts";

const POST_PROCESSORS: Record<string, unknown> = {
  bert: { type: "BertProcessing", sep: ["[SEP]", 3], cls: ["[CLS]", 2] },
  roberta: {
    type: "RobertaProcessing",
    sep: ["[SEP]", 3],
    cls: ["[CLS]", 2],
    trim_offsets: true,
    add_prefix_space: false,
  },
  template: {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] } },
  },
  none: null,
};

Deno.test("SequenceEncoder: same ids as the library's own special-token encoding, for each post-processor", () => {
  const texts = ["How do I boil eggs?", "good", "", "A terrible, terrible answer!"];
  for (const [kind, postProcessor] of Object.entries(POST_PROCESSORS)) {
    const json = { ...wordLevelTokenizerJson(), post_processor: postProcessor };
    const encoder = new SequenceEncoder(json);
    const library = new Tokenizer(json, {});
    for (const text of texts.filter((t) => t.length > 0)) {
      assert.deepEqual(
        encoder.encode(text),
        library.encode(text, { add_special_tokens: true }).ids,
        `${kind}: ${text}`,
      );
    }
    const specials = { bert: [2, 3], roberta: [2, 3], template: [2], none: [] }[kind]!;
    assert.deepEqual(encoder.encode(""), specials, kind);
  }
});

Deno.test("SequenceEncoder: truncation keeps special tokens and cuts the chosen side; padding is masked", () => {
  const json = wordLevelTokenizerJson();
  const left = new SequenceEncoder(json, { maxLength: 5 });
  const right = new SequenceEncoder(json, { maxLength: 5, truncationSide: "right", padToken: "[UNK]" });
  const ids = { the: 4, a: 5, is: 6, was: 7, good: 8 };
  const text = "the a is was good";
  assert.deepEqual(left.encode(text), [2, ids.is, ids.was, ids.good, 3]);
  assert.deepEqual(right.encode(text), [2, ids.the, ids.a, ids.is, 3]);
  const batch = right.batch(["good", text]);
  assert.equal(right.padTokenId, 1);
  assert.deepEqual(batch.inputIds, [2, ids.good, 3, 1, 1, 2, ids.the, ids.a, ids.is, 3]);
  assert.deepEqual(batch.attentionMask, [1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
  assert.deepEqual(batch.rowLengths, [3, 5]);
  assert.throws(() => new SequenceEncoder(json, { maxLength: 2 }), /no room/);
});
