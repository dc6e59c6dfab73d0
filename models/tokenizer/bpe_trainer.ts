/**
 * Trains a GPT-2-style byte-level BPE tokenizer and returns it as a Hugging
 * Face tokenizer.json, laid out as the Rust `tokenizers` trainer lays it out:
 * special tokens (ids 0..n-1), the 256 byte symbols (in symbol code point
 * order, as in GPT-2's vocab), then merged tokens in merge order.
 *
 * Training sees text exactly as the loader's encoder does: special tokens are
 * split out first, the rest is cut into pre-tokens by the GPT-2 regex, and
 * each pre-token's UTF-8 bytes form one word.
 *
 * @module
 */

import {
  BYTE_TO_SYMBOL,
  BYTES_IN_SYMBOL_ORDER,
  GPT2_PRETOKENIZE_PATTERN,
  splitOnSpecialTokens,
} from "./_byte_level.ts";
import { learnMerges } from "./_merge_learner.ts";
import { buildByteLevelTokenizerJson, type TokenizerJson } from "./tokenizer_json.ts";

/** Options of {@link trainByteLevelBpe}. */
export interface ByteLevelBpeTrainingOptions {
  /** Total vocabulary size, special tokens and the 256 byte symbols included. */
  vocabSize: number;
  /** Special tokens, given ids 0..n-1 in this order. */
  specialTokens: string[];
  /** Stop early when the most frequent pair occurs fewer times than this (default 2). */
  minPairFrequency?: number;
}

/**
 * Trains a byte-level BPE tokenizer on `texts`. Deterministic: the same texts
 * in the same order give the same tokenizer (ties go to the pair whose
 * symbols sort first). The vocabulary reaches `vocabSize` unless the corpus
 * runs out of pairs occurring at least `minPairFrequency` times.
 *
 * @example
 * ```ts
 * const json = trainByteLevelBpe(["the cat sat on the mat", "the hat"], {
 *   vocabSize: 262,
 *   specialTokens: ["<|endoftext|>"],
 * });
 * if (json.model.vocab["<|endoftext|>"] !== 0) throw new Error("special id");
 * if (json.model.merges[0] !== "a t") throw new Error("most frequent pair first");
 * ```
 */
export function trainByteLevelBpe(
  texts: Iterable<string>,
  options: ByteLevelBpeTrainingOptions,
): TokenizerJson {
  const { vocabSize, specialTokens } = options;
  const minPairFrequency = options.minPairFrequency ?? 2;
  const baseSize = specialTokens.length + 256;
  if (!Number.isInteger(vocabSize) || vocabSize < baseSize) {
    throw new RangeError(
      `vocabSize must be an integer ≥ ${baseSize} (special tokens + 256 bytes)`,
    );
  }
  if (!Number.isFinite(minPairFrequency) || minPairFrequency < 1) {
    throw new RangeError("minPairFrequency must be ≥ 1");
  }
  if (
    new Set(specialTokens).size !== specialTokens.length ||
    specialTokens.some((t) => t === "")
  ) {
    throw new RangeError("special tokens must be distinct and non-empty");
  }
  const byteSymbols = BYTES_IN_SYMBOL_ORDER.map((byte) => BYTE_TO_SYMBOL[byte]);
  if (specialTokens.some((token) => byteSymbols.includes(token))) {
    throw new RangeError("a special token may not equal a byte symbol");
  }

  const wordCounts = countPreTokens(texts, specialTokens);
  const encoder = new TextEncoder();
  const words: Uint8Array[] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const bytes = encoder.encode(word);
    if (bytes.length < 2) continue;
    words.push(bytes);
    counts.push(count);
  }
  const { mergedTokens, merges } = learnMerges(words, counts, {
    maxNewTokens: vocabSize - baseSize,
    minPairFrequency,
    reserved: new Set(specialTokens),
  });
  return buildByteLevelTokenizerJson(specialTokens, [
    ...byteSymbols,
    ...mergedTokens,
  ], merges);
}

/** Counts pre-tokens (GPT-2 regex pieces of the text between special tokens). */
function countPreTokens(
  texts: Iterable<string>,
  specialTokens: readonly string[],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of splitOnSpecialTokens(text, specialTokens)) {
      if (piece.special) continue;
      for (const match of piece.text.matchAll(GPT2_PRETOKENIZE_PATTERN)) {
        const word = match[0];
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
  }
  return counts;
}
