import assert from "node:assert/strict";
import {
  englishLikeText,
  PROJECT_SPECIAL_TOKENS,
  randomUnicodeString,
  seededRandom,
  testTokenizerJson,
  TRICKY_STRINGS,
  variedStrings,
} from "./_testing.ts";
import { TokenizerLoadError, UnknownTokenIdError } from "./errors.ts";
import { TextTokenizer } from "./text_tokenizer.ts";
import type { TokenizerJson } from "./tokenizer_json.ts";

const tokenizer = TextTokenizer.fromJson(testTokenizerJson());

/**
 * Deliberately simple reference encoder, independent of the library and of
 * the trainer: split out special tokens, cut pre-tokens with the GPT-2 regex,
 * map bytes through GPT-2's byte table, then repeatedly apply the
 * lowest-ranked adjacent merge (leftmost first). O(n²) per pre-token.
 */
class ReferenceEncoder {
  readonly #byteSymbol: string[] = [];
  readonly #ranks = new Map<string, number>();
  readonly #vocab: Record<string, number>;
  readonly #specials: string[];
  readonly #mergesInOrder: boolean;
  readonly #mergeList: string[][];

  /**
   * @param mergesInOrder apply each merge, in training order, to every
   * occurrence left to right (how the trainer rewrites its words) instead of
   * lowest rank first
   */
  constructor(json: TokenizerJson, mergesInOrder = false) {
    this.#mergesInOrder = mergesInOrder;
    const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    let extra = 0;
    for (let b = 0; b < 256; b++) {
      this.#byteSymbol[b] = String.fromCharCode(
        printable(b) ? b : 256 + extra++,
      );
    }
    json.model.merges.forEach((merge, rank) => this.#ranks.set(merge, rank));
    this.#mergeList = json.model.merges.map((merge) => merge.split(" "));
    this.#vocab = json.model.vocab;
    this.#specials = json.added_tokens.map((token) => token.content);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let plain = "";
    let i = 0;
    while (i < text.length) {
      const special = this.#specials
        .filter((token) => text.startsWith(token, i))
        .sort((a, b) => b.length - a.length)[0];
      if (special === undefined) {
        plain += text[i++];
        continue;
      }
      ids.push(...this.#encodePlain(plain), this.#vocab[special]);
      plain = "";
      i += special.length;
    }
    ids.push(...this.#encodePlain(plain));
    return ids;
  }

  #encodePlain(text: string): number[] {
    const pattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    const ids: number[] = [];
    for (const [piece] of text.matchAll(pattern)) {
      let parts = [...new TextEncoder().encode(piece)].map((b) => this.#byteSymbol[b]);
      if (this.#mergesInOrder) {
        for (const [left, right] of this.#mergeList) {
          if (parts.length < 2) break;
          if (!parts.includes(left)) continue;
          const next: string[] = [];
          for (let j = 0; j < parts.length; j++) {
            if (parts[j] === left && parts[j + 1] === right) {
              next.push(parts[j++] + right);
            } else next.push(parts[j]);
          }
          parts = next;
        }
      }
      while (true) {
        let best = -1;
        let bestRank = Infinity;
        for (let j = 0; j + 1 < parts.length; j++) {
          const rank = this.#ranks.get(`${parts[j]} ${parts[j + 1]}`);
          if (rank !== undefined && rank < bestRank) {
            best = j;
            bestRank = rank;
          }
        }
        if (best < 0) break;
        parts.splice(best, 2, parts[best] + parts[best + 1]);
      }
      ids.push(...parts.map((part) => this.#vocab[part]));
    }
    return ids;
  }
}

function roundTripCases(): string[] {
  const random = seededRandom(99);
  const prose = englishLikeText(random, 20_000);
  const cases = [...TRICKY_STRINGS];
  for (let i = 0; i < 300; i++) cases.push(randomUnicodeString(random, 60));
  for (let i = 0; i < 100; i++) {
    const start = Math.floor(random() * prose.length);
    cases.push(prose.slice(start, start + Math.floor(random() * 400)));
  }
  for (let i = 0; i < 100; i++) {
    const a = TRICKY_STRINGS[Math.floor(random() * TRICKY_STRINGS.length)];
    const b = randomUnicodeString(random, 10);
    cases.push(a + b, b + a);
  }
  return cases;
}

Deno.test("decode(encode(s)) === s for hundreds of strings", () => {
  const cases = roundTripCases();
  assert.ok(cases.length > 600);
  for (const text of cases) {
    assert.equal(
      tokenizer.decode(tokenizer.encode(text)),
      text,
      JSON.stringify(text),
    );
  }
});

Deno.test("library ids equal the reference encoder's on thousands of strings", () => {
  const reference = new ReferenceEncoder(testTokenizerJson());
  const strings = variedStrings(5, 3000, testTokenizerJson());
  strings.push(...TRICKY_STRINGS);
  let merged = 0;
  for (const text of strings) {
    const ids = tokenizer.encode(text);
    assert.deepEqual(ids, reference.encode(text), JSON.stringify(text));
    merged += ids.filter((id) => id >= 4 + 256).length;
  }
  assert.ok(merged > 10_000, "the comparison exercises merged tokens");
});

Deno.test("library ids equal merges applied in training order", () => {
  const reference = new ReferenceEncoder(testTokenizerJson(), true);
  for (const text of variedStrings(8, 400, testTokenizerJson())) {
    assert.deepEqual(
      tokenizer.encode(text),
      reference.encode(text),
      JSON.stringify(text),
    );
  }
});

Deno.test("merges written as [left, right] pairs encode identically", () => {
  const json = testTokenizerJson();
  const pairs = {
    ...json,
    model: {
      ...json.model,
      merges: json.model.merges.map((merge) => merge.split(" ")),
    },
  };
  const other = TextTokenizer.fromJson(pairs);
  for (const text of variedStrings(6, 300, json)) {
    assert.deepEqual(other.encode(text), tokenizer.encode(text));
  }
});

Deno.test("special tokens are single ids with the assigned ids", () => {
  PROJECT_SPECIAL_TOKENS.forEach((token, id) => {
    assert.deepEqual(tokenizer.encode(token), [id]);
    assert.equal(tokenizer.tokenToId(token), id);
    assert.equal(tokenizer.idToToken(id), token);
  });
  const ids = tokenizer.encode("<|user|>Hi!<|assistant|>Hello.<|endoftext|>");
  assert.equal(ids[0], 2);
  assert.equal(ids.at(-1), 0);
  assert.equal(ids.filter((id) => id === 3).length, 1);
  assert.equal(ids.filter((id) => id < 4).length, 3);
  assert.ok(!tokenizer.encode("<|endoftext").some((id) => id < 4));
  assert.ok(!tokenizer.encode("<| user |>").some((id) => id < 4));
});

Deno.test("encode inserts no special tokens; decode can skip them", () => {
  assert.deepEqual(tokenizer.encode(""), []);
  const ids = tokenizer.encode("Hello world");
  assert.ok(ids.every((id) => id >= 4));
  const chat = tokenizer.encode("<|system|>Be brief.<|user|>Hi<|endoftext|>");
  assert.equal(
    tokenizer.decode(chat, { skipSpecialTokens: true }),
    "Be brief.Hi",
  );
  assert.equal(
    tokenizer.decode(chat),
    "<|system|>Be brief.<|user|>Hi<|endoftext|>",
  );
  assert.equal(tokenizer.decode([]), "");
  assert.equal(tokenizer.decode([0], { skipSpecialTokens: true }), "");
});

Deno.test("vocabulary accessors agree", () => {
  assert.equal(tokenizer.vocabSize, 1500);
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const token = tokenizer.idToToken(id);
    assert.ok(token !== undefined);
    assert.equal(tokenizer.tokenToId(token), id);
  }
  assert.equal(tokenizer.idToToken(1500), undefined);
  assert.equal(tokenizer.idToToken(-1), undefined);
  assert.equal(tokenizer.idToToken(1.5), undefined);
  assert.equal(tokenizer.tokenToId("not a token"), undefined);
  assert.equal(tokenizer.tokenToId("Ġ"), testTokenizerJson().model.vocab["Ġ"]);
});

Deno.test("decoding an id outside the vocabulary throws UnknownTokenIdError", () => {
  for (const id of [1500, -1, 2.5, Number.NaN]) {
    assert.throws(() => tokenizer.decode([5, id]), UnknownTokenIdError);
  }
});

Deno.test("fromJson fills keys the loader insists on and wraps its errors", () => {
  const minimal = {
    model: { type: "BPE", vocab: { a: 0, b: 1, ab: 2 }, merges: ["a b"] },
    decoder: { type: "ByteLevel" },
  };
  assert.deepEqual(TextTokenizer.fromJson(minimal).encode("abba"), [2, 1, 0]);
  assert.throws(
    () => TextTokenizer.fromJson({ model: { type: "Nope" } }),
    TokenizerLoadError,
  );
});
