import assert from "node:assert/strict";
import {
  randomUnicodeString,
  seededRandom,
  testTokenizerJson,
  TRICKY_STRINGS,
  variedStrings,
} from "./_testing.ts";
import { UnknownTokenIdError } from "./errors.ts";
import type { StreamDecoder } from "./stream_decoder.ts";
import { TextTokenizer } from "./text_tokenizer.ts";

const tokenizer = TextTokenizer.fromJson(testTokenizerJson());

function streamChunks(
  decoder: StreamDecoder,
  ids: readonly number[],
): string[] {
  return [...ids.map((id) => decoder.push(id)), decoder.flush()];
}

Deno.test("streamed chunks join to the original text and never hold U+FFFD", () => {
  const random = seededRandom(3);
  const texts = [
    ...TRICKY_STRINGS,
    ...variedStrings(11, 500, testTokenizerJson()),
  ];
  for (let i = 0; i < 200; i++) texts.push(randomUnicodeString(random, 50));
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    const chunks = streamChunks(tokenizer.createStreamDecoder(), ids);
    assert.equal(chunks.join(""), text, JSON.stringify(text));
    assert.equal(chunks.join(""), tokenizer.decode(ids));
    for (const chunk of chunks) {
      assert.ok(chunk.isWellFormed(), "no lone surrogates");
      if (!text.includes("\uFFFD")) {
        assert.ok(!chunk.includes("\uFFFD"), JSON.stringify(text));
      }
    }
  }
});

Deno.test("a character split over byte tokens appears once it is complete", () => {
  // Each byte of "😀" (F0 9F 98 80) pushed as its own byte token.
  const ids = [...new TextEncoder().encode("a😀b")].map((byte) => tokenizer.tokenToId(byteSymbol(byte))!);
  const chunks = streamChunks(tokenizer.createStreamDecoder(), ids);
  assert.deepEqual(chunks, ["a", "", "", "", "😀", "b", ""]);
});

Deno.test("stream decoding equals whole decoding for arbitrary id sequences", () => {
  const random = seededRandom(17);
  for (let trial = 0; trial < 500; trial++) {
    const ids = Array.from(
      { length: 1 + Math.floor(random() * 30) },
      // One id in ten is a special token, to interleave them with partial characters.
      () => Math.floor(random() * (random() < 0.1 ? 4 : tokenizer.vocabSize)),
    );
    for (const skipSpecialTokens of [false, true]) {
      const chunks = streamChunks(
        tokenizer.createStreamDecoder({ skipSpecialTokens }),
        ids,
      );
      assert.equal(
        chunks.join(""),
        tokenizer.decode(ids, { skipSpecialTokens }),
        String(ids),
      );
    }
  }
});

Deno.test("flush resets the stream; unknown ids throw", () => {
  const decoder = tokenizer.createStreamDecoder();
  const euro = [...new TextEncoder().encode("€")].map((byte) => tokenizer.tokenToId(byteSymbol(byte))!);
  assert.equal(decoder.push(euro[0]) + decoder.push(euro[1]), "");
  assert.equal(decoder.flush(), "\uFFFD");
  assert.equal(
    euro.map((id) => decoder.push(id)).join("") + decoder.flush(),
    "€",
  );
  assert.throws(() => decoder.push(tokenizer.vocabSize), UnknownTokenIdError);
});

Deno.test("tokenizers without a ByteLevel decoder stream by prefix difference", () => {
  const wordLevel = TextTokenizer.fromJson({
    added_tokens: [{ id: 0, content: "<eos>", special: true }],
    pre_tokenizer: { type: "WhitespaceSplit" },
    model: {
      type: "WordLevel",
      vocab: { "<eos>": 0, hello: 1, world: 2 },
      unk_token: "<eos>",
    },
  });
  const ids = [1, 2, 0, 1];
  for (const skipSpecialTokens of [false, true]) {
    const chunks = streamChunks(
      wordLevel.createStreamDecoder({ skipSpecialTokens }),
      ids,
    );
    assert.equal(chunks.join(""), wordLevel.decode(ids, { skipSpecialTokens }));
  }
  assert.equal(wordLevel.decode(ids), "hello world <eos> hello");
});

function byteSymbol(byte: number): string {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  let shifted = 0;
  for (let b = 0; b < byte; b++) if (!printable(b)) shifted++;
  return String.fromCharCode(printable(byte) ? byte : 256 + shifted);
}
