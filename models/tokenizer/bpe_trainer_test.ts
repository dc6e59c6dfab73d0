import assert from "node:assert/strict";
import {
  englishLikeText,
  PROJECT_SPECIAL_TOKENS,
  randomUnicodeString,
  seededRandom,
  testTokenizerJson,
  testTrainingTexts,
} from "./_testing.ts";
import { trainByteLevelBpe } from "./bpe_trainer.ts";
import { serializeTokenizerJson } from "./tokenizer_json.ts";

const SPECIALS = [...PROJECT_SPECIAL_TOKENS];

/** GPT-2's bytes_to_unicode, transcribed from encoder.py. */
function gpt2ByteSymbols(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const table: string[] = [];
  bs.forEach((b, i) => table[b] = String.fromCharCode(cs[i]));
  return table;
}

/**
 * Brute-force reference trainer: recounts every pair before each merge and
 * merges the most frequent (ties: smallest left, then right symbol string).
 */
function naiveMerges(
  texts: string[],
  vocabSize: number,
  specials: string[],
  minPairFrequency: number,
): string[] {
  const symbols = gpt2ByteSymbols();
  const pattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    let rest = text;
    for (const special of specials) {
      rest = rest.split(special).join("\u0000SPLIT\u0000");
    }
    for (const piece of rest.split("\u0000SPLIT\u0000")) {
      for (const word of piece.match(pattern) ?? []) {
        wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      }
    }
  }
  const words = [...wordCounts].map(([word, count]) => ({
    parts: [...new TextEncoder().encode(word)].map((b) => symbols[b]),
    count,
  }));
  const vocab = new Set([...specials, ...symbols]);
  const merges: string[] = [];
  while (vocab.size < vocabSize) {
    const pairCounts = new Map<string, number>();
    for (const { parts, count } of words) {
      for (let i = 0; i + 1 < parts.length; i++) {
        const key = `${parts[i]} ${parts[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: [string, string] | undefined;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      const [left, right] = key.split(" ");
      if (specials.includes(left + right)) continue;
      if (
        best === undefined || count > bestCount ||
        (count === bestCount &&
          (left < best[0] || (left === best[0] && right < best[1])))
      ) {
        best = [left, right];
        bestCount = count;
      }
    }
    if (best === undefined || bestCount < minPairFrequency) break;
    const [left, right] = best;
    merges.push(`${left} ${right}`);
    vocab.add(left + right);
    for (const word of words) {
      const merged: string[] = [];
      for (let i = 0; i < word.parts.length; i++) {
        if (word.parts[i] === left && word.parts[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else merged.push(word.parts[i]);
      }
      word.parts = merged;
    }
  }
  return merges;
}

Deno.test("merges equal a brute-force reference trainer", () => {
  const random = seededRandom(7);
  const texts = [
    englishLikeText(random, 12_000),
    ...Array.from({ length: 40 }, () => randomUnicodeString(random, 25)),
    "aaaa aaaaa abababab <|endoftext|> aaa",
  ];
  for (const minPairFrequency of [1, 2, 5]) {
    const json = trainByteLevelBpe(texts, {
      vocabSize: 700,
      specialTokens: SPECIALS,
      minPairFrequency,
    });
    assert.deepEqual(
      json.model.merges,
      naiveMerges(texts, 700, SPECIALS, minPairFrequency),
    );
  }
});

Deno.test("most frequent pair first; ties go to the smaller symbols", () => {
  const json = trainByteLevelBpe(["ab", "ab", "cd", "cd", " ab", " cd"], {
    vocabSize: 262,
    specialTokens: [],
    minPairFrequency: 1,
  });
  assert.deepEqual(json.model.merges, ["a b", "c d", "Ġ ab", "Ġ cd"]);
  assert.deepEqual(json.model.vocab["Ġab"], 258);
});

Deno.test("layout: special tokens, 256 byte symbols in code point order, merged tokens", () => {
  const json = testTokenizerJson();
  const entries = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]);
  assert.deepEqual(entries.map(([, id]) => id), entries.map((_, i) => i));
  assert.deepEqual(entries.slice(0, 4).map(([token]) => token), SPECIALS);
  assert.deepEqual(
    json.added_tokens.map(({ id, content, special, normalized }) => ({
      id,
      content,
      special,
      normalized,
    })),
    SPECIALS.map((content, id) => ({
      id,
      content,
      special: true,
      normalized: false,
    })),
  );
  const bytes = entries.slice(4, 260).map(([token]) => token);
  assert.deepEqual(new Set(bytes), new Set(gpt2ByteSymbols()));
  assert.deepEqual(
    bytes,
    [...bytes].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0)),
  );
});

Deno.test("merges are consistent with the vocabulary", () => {
  const json = testTokenizerJson();
  const vocab = json.model.vocab;
  let nextId = 4 + 256;
  for (const merge of json.model.merges) {
    const parts = merge.split(" ");
    assert.deepEqual(parts.length, 2, merge);
    const [left, right] = parts;
    assert.ok(vocab[left] !== undefined && vocab[right] !== undefined, merge);
    const id = vocab[left + right];
    assert.ok(id !== undefined, `merge result ${left + right} missing`);
    assert.ok(
      vocab[left] < id && vocab[right] < id,
      `${merge} uses a later token`,
    );
    if (id === nextId) nextId++;
    else assert.ok(id < nextId, `${merge} skips ids`);
  }
  assert.deepEqual(nextId, Object.keys(vocab).length);
});

Deno.test("vocabulary size is exactly as requested", () => {
  const texts = testTrainingTexts();
  for (const vocabSize of [260, 261, 300, 1000, 1500]) {
    const json = trainByteLevelBpe(texts, {
      vocabSize,
      specialTokens: SPECIALS,
    });
    assert.deepEqual(Object.keys(json.model.vocab).length, vocabSize);
  }
  assert.deepEqual(Object.keys(testTokenizerJson().model.vocab).length, 1500);
});

Deno.test("training stops early when pairs run out", () => {
  const json = trainByteLevelBpe(["abc abc"], {
    vocabSize: 1000,
    specialTokens: ["<|endoftext|>"],
  });
  assert.deepEqual(json.model.merges, ["a b", "ab c"]);
  assert.deepEqual(Object.keys(json.model.vocab).length, 1 + 256 + 2);
  const rare = trainByteLevelBpe(["abc abc"], {
    vocabSize: 1000,
    specialTokens: [],
    minPairFrequency: 3,
  });
  assert.deepEqual(rare.model.merges, []);
});

Deno.test("deterministic: same texts give byte-identical JSON", () => {
  const texts = testTrainingTexts();
  const options = { vocabSize: 900, specialTokens: SPECIALS };
  const first = serializeTokenizerJson(trainByteLevelBpe(texts, options));
  const second = serializeTokenizerJson(trainByteLevelBpe(texts, options));
  const fromGenerator = serializeTokenizerJson(
    trainByteLevelBpe(
      (function* () {
        yield* texts;
      })(),
      options,
    ),
  );
  assert.deepEqual(second, first);
  assert.deepEqual(fromGenerator, first);
});

Deno.test("special tokens in training text are never learned", () => {
  const texts = Array.from(
    { length: 50 },
    () => "<|user|>hi there<|assistant|>hello<|endoftext|>",
  );
  const json = trainByteLevelBpe(texts, {
    vocabSize: 400,
    specialTokens: SPECIALS,
  });
  const learned = Object.keys(json.model.vocab).slice(4 + 256);
  assert.ok(learned.length > 0);
  assert.ok(
    learned.every((token) => !token.includes("<|") && !token.includes("|>")),
    String(learned),
  );
});

Deno.test("invalid options are rejected", () => {
  assert.throws(
    () => trainByteLevelBpe([], { vocabSize: 259, specialTokens: SPECIALS }),
    RangeError,
  );
  assert.throws(
    () => trainByteLevelBpe([], { vocabSize: 300.5, specialTokens: [] }),
    RangeError,
  );
  assert.throws(
    () => trainByteLevelBpe([], { vocabSize: 300, specialTokens: ["a", "a"] }),
    RangeError,
  );
  assert.throws(
    () => trainByteLevelBpe([], { vocabSize: 300, specialTokens: ["!"] }),
    RangeError,
  );
  assert.throws(
    () =>
      trainByteLevelBpe([], {
        vocabSize: 300,
        specialTokens: [],
        minPairFrequency: 0,
      }),
    RangeError,
  );
});
