/**
 * Test support: a seeded PRNG, an English-like text generator and a random
 * valid-Unicode string generator. Not part of the public surface.
 *
 * @module
 */

import { SYMBOL_TO_BYTE } from "./_byte_level.ts";
import { trainByteLevelBpe } from "./bpe_trainer.ts";
import type { TokenizerJson } from "./tokenizer_json.ts";

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON_WORDS = (
  "the of and to a in is it you that he was for on are with as I his they be at one have this " +
  "from or had by not word but what some we can out other were all there when up use your how " +
  "said an each she which do their time if will way about many then them write would like so " +
  "these her long make thing see him two has look more day could go come did number sound no " +
  "most people my over know water than call first who may down side been now find any new work " +
  "part take get place made live where after back little only round man year came show every " +
  "good me give our under name very through just form sentence great think say help low line " +
  "differ turn cause much mean before move right boy old too same tell does set three want air " +
  "well also play small end put home read hand port large spell add even land here must big " +
  "high such follow act why ask men change went light kind off need house picture try us again " +
  "animal point mother world near build self earth father head stand own page should country"
).split(" ");

const ONSETS = [
  "b",
  "c",
  "d",
  "f",
  "g",
  "h",
  "l",
  "m",
  "n",
  "p",
  "r",
  "s",
  "t",
  "v",
  "w",
  "br",
  "ch",
  "st",
  "th",
  "tr",
  "pl",
  "gr",
  "sh",
];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "ee", "y"];
const CODAS = [
  "",
  "",
  "n",
  "r",
  "s",
  "t",
  "nd",
  "ng",
  "ck",
  "ll",
  "st",
  "rt",
  "ed",
  "ing",
  "ly",
  "tion",
];

/**
 * English-like prose: a Zipf-distributed vocabulary of common words and
 * pronounceable made-up words, sentences with capitals, punctuation, numbers,
 * contractions, quotes and paragraph breaks.
 */
export function englishLikeText(
  random: () => number,
  targetLength: number,
): string {
  const made = Array.from({ length: 6000 }, () => {
    let word = "";
    const syllables = 1 + Math.floor(random() * 3);
    for (let s = 0; s < syllables; s++) {
      word += pick(random, ONSETS) + pick(random, VOWELS) +
        (s === syllables - 1 ? pick(random, CODAS) : "");
    }
    return word;
  });
  const vocabulary = [...COMMON_WORDS, ...made];
  const zipf = (): string =>
    vocabulary[
      Math.min(
        vocabulary.length - 1,
        Math.floor(Math.exp(random() * Math.log(vocabulary.length + 1))) - 1,
      )
    ];
  const parts: string[] = [];
  let length = 0;
  while (length < targetLength) {
    const words: string[] = [];
    const count = 4 + Math.floor(random() * 16);
    for (let w = 0; w < count; w++) {
      const roll = random();
      let word = zipf();
      if (roll < 0.03) {
        word = String(Math.floor(random() * (roll < 0.01 ? 3000 : 100)));
      } else if (roll < 0.05) {
        word += pick(random, ["'s", "n't", "'re", "'ll", "'ve", "'d"]);
      } else if (roll < 0.09) word += pick(random, [",", ",", ";", ":", " -"]);
      else if (roll < 0.1) word = `"${word}"`;
      else if (roll < 0.11) word = `(${word})`;
      words.push(word);
    }
    words[0] = words[0].charAt(0).toUpperCase() + words[0].slice(1);
    const sentence = words.join(" ") + pick(random, [".", ".", ".", "?", "!"]);
    const separator = random() < 0.12 ? "\n\n" : " ";
    parts.push(sentence + separator);
    length += sentence.length + separator.length;
  }
  return parts.join("");
}

/** A random string of valid Unicode scalar values from every plane (no lone surrogates). */
export function randomUnicodeString(
  random: () => number,
  maxLength: number,
): string {
  const length = Math.floor(random() * (maxLength + 1));
  let text = "";
  for (let i = 0; i < length; i++) {
    const range = random();
    let codePoint: number;
    if (range < 0.3) codePoint = 0x20 + Math.floor(random() * 0x5f);
    else if (range < 0.4) {
      codePoint = pick(random, [
        0x09,
        0x0a,
        0x0d,
        0x20,
        0x20,
        0xa0,
        0x3000,
        0x2028,
        0x85,
        0xfeff,
      ]);
    } else if (range < 0.6) {
      codePoint = 0x80 + Math.floor(random() * (0x800 - 0x80));
    } else if (range < 0.8) {
      codePoint = 0x800 + Math.floor(random() * (0x10000 - 0x800));
    } else codePoint = 0x10000 + Math.floor(random() * (0x110000 - 0x10000));
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint -= 0x1000;
    text += String.fromCodePoint(codePoint);
  }
  return text;
}

/** A few hundred fixed strings that stress pre-tokenization and UTF-8. */
export const TRICKY_STRINGS: readonly string[] = [
  "",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\n\n\n",
  " \t \n ",
  "Hello, world!",
  " Hello world ",
  "Hello   world",
  "The quick brown fox jumps over the lazy dog.",
  "I'm sure they'll say it's what we've done, isn't it? You'd think so.",
  "'s 't 're 've 'm 'll 'd",
  "don'T WON'T I'M",
  "1234567890 3.14159 -42 +7 1,000,000 1e-9 0x1F",
  "2024-05-01T12:34:56Z",
  "!!! ??? ... --- *** ### $$$ %%% ^^^ &&& ((()))",
  "a.b,c;d:e!f?g",
  "tabs\tbetween\twords\tand\t\ttwo",
  "trailing spaces   ",
  "   leading spaces",
  "line one\nline two\r\nline three\rline four",
  "café naïve résumé coöperate façade jalapeño Ångström",
  "Straße Größe Œuvre ǅungla ﬁne",
  "日本語のテキストです。東京は大きい都市です。",
  "中文文本，标点符号！“引号”",
  "한국어 텍스트입니다",
  "Ελληνικά κείμενα και Кириллица текст",
  "עברית: שלום עולם",
  "العربية: مرحبا بالعالم ١٢٣",
  "mixed עברית and English",
  "हिन्दी पाठ और संख्या ५",
  "ภาษาไทย",
  "😀😃😄😁",
  "👍🏽 👍🏿 👋🏻",
  "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👩🏾‍💻 coder",
  "🇯🇵🇫🇷🇺🇸",
  "e\u0301 a\u0300 o\u0308 n\u0303 combining",
  "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dalgo",
  "\u200b zero\u200bwidth \u200d joiner \ufeff bom",
  "\u00a0non-breaking\u00a0space \u2003em\u2003space \u3000ideographic",
  "\u0085next line\u2028line sep\u2029para sep",
  "𝕳𝖊𝖑𝖑𝖔 𝓦𝓸𝓻𝓵𝓭 𝟙𝟚𝟛",
  "𐍈 Gothic 𓀀 hieroglyph 🀄 mahjong",
  "\u0000\u0001\u0007\u001b[31mred\u001b[0m\u007f",
  "<|endoftext|>",
  "<|user|>hi<|assistant|>hello<|endoftext|>",
  "text<|endoftext|>text",
  "<|endoftext|><|endoftext|>",
  "<|endoftext",
  "<|user|> spaced <|assistant|>",
  "<|system|>You are helpful.\n<|user|>What is 2+2?\n<|assistant|>4<|endoftext|>",
  "<| user |> not special",
  "function f(x) { return x * 2; } // code",
  "const a = [1, 2, 3].map((n) => n ** 2);",
  "https://example.com/path?query=1&b=two#frag",
  "user@example.com",
  "C:\\Windows\\System32",
  '{"json": [true, false, null, 1.5e3]}',
  "a".repeat(300),
  " ".repeat(257),
  "ab".repeat(200),
  "word ".repeat(100),
  "\u{10FFFF}\u{E000}\u{FFFD}\u{FFFE}",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** The project's special tokens, in id order. */
export const PROJECT_SPECIAL_TOKENS: readonly string[] = [
  "<|endoftext|>",
  "<|system|>",
  "<|user|>",
  "<|assistant|>",
];

const MULTILINGUAL_LINES = TRICKY_STRINGS.filter((text) =>
  [...text].some((character) => character.codePointAt(0)! > 0x7f)
);

/** A ~400 kB training corpus: English-like documents, multilingual lines, random Unicode. */
export function testTrainingTexts(): string[] {
  const random = seededRandom(20240501);
  const texts: string[] = [];
  for (let document = 0; document < 100; document++) {
    texts.push(`${englishLikeText(random, 4000)}<|endoftext|>`);
  }
  for (let repeat = 0; repeat < 30; repeat++) texts.push(...MULTILINGUAL_LINES);
  for (let i = 0; i < 200; i++) texts.push(randomUnicodeString(random, 30));
  return texts;
}

let cachedJson: TokenizerJson | undefined;

/** The tokenizer.json trained on {@link testTrainingTexts} (vocabulary 1500), trained once. */
export function testTokenizerJson(): TokenizerJson {
  cachedJson ??= trainByteLevelBpe(testTrainingTexts(), {
    vocabSize: 1500,
    specialTokens: [...PROJECT_SPECIAL_TOKENS],
  });
  return cachedJson;
}

/**
 * Varied strings for comparisons: slices of English-like text, random
 * Unicode, runs of vocabulary tokens glued at odd boundaries, and fixed
 * tricky strings with special tokens spliced in.
 */
export function variedStrings(
  seed: number,
  count: number,
  json: TokenizerJson,
): string[] {
  const random = seededRandom(seed);
  const prose = englishLikeText(random, 50_000);
  const tokens = Object.keys(json.model.vocab).slice(
    PROJECT_SPECIAL_TOKENS.length,
  );
  const decoder = new TextDecoder();
  const strings: string[] = [];
  while (strings.length < count) {
    const kind = random();
    if (kind < 0.35) {
      const start = Math.floor(random() * prose.length);
      strings.push(prose.slice(start, start + Math.floor(random() * 200)));
    } else if (kind < 0.6) {
      strings.push(randomUnicodeString(random, 40));
    } else if (kind < 0.8) {
      const glued = Array.from(
        { length: 1 + Math.floor(random() * 8) },
        () => pick(random, tokens),
      ).join("");
      const bytes = Uint8Array.from(
        glued,
        (symbol) => SYMBOL_TO_BYTE.get(symbol)!,
      );
      const text = decoder.decode(bytes);
      strings.push(
        text.replaceAll("\uFFFD", pick(random, ["", "é", " ", "😀"])),
      );
    } else {
      const a = pick(random, TRICKY_STRINGS);
      const b = pick(random, TRICKY_STRINGS);
      strings.push(
        a + (random() < 0.5 ? pick(random, PROJECT_SPECIAL_TOKENS) : "") + b,
      );
    }
  }
  return strings;
}
