/**
 * The BPE merge loop: given pre-token words (as byte sequences) with counts,
 * repeatedly merge the most frequent adjacent pair. Pair counts are updated
 * incrementally (pair → words that contain it), and the best pair comes from
 * a lazy max-heap: entries may overstate a pair's count and are re-pushed with
 * the current count when popped, so each merge costs only the words it touches.
 *
 * Ties between equally frequent pairs go to the pair whose (left, right)
 * symbol strings sort first, so the result is a pure function of the input.
 *
 * @module
 */

import { BYTE_TO_SYMBOL } from "./_byte_level.ts";

/** What the merge loop learned: symbols in creation order and merges in rank order. */
export interface LearnedMerges {
  /** Symbol strings of the merged tokens, in the order they joined the vocabulary. */
  mergedTokens: string[];
  /** `[left, right]` symbol strings, rank = index. */
  merges: [string, string][];
}

/** Options of {@link learnMerges}. */
export interface LearnMergesOptions {
  /** Stop once this many new tokens exist. */
  maxNewTokens: number;
  /** Stop when the most frequent pair occurs fewer times than this. */
  minPairFrequency: number;
  /** Token strings a merge must never produce (the special tokens). */
  reserved: ReadonlySet<string>;
}

const PAIR_KEY_BASE = 2 ** 21;

interface HeapEntry {
  count: number;
  left: number;
  right: number;
}

/**
 * Learns merges from `words` (byte sequences) weighted by `counts`.
 * Internal symbol ids: 0..255 are the bytes, later ids are merged tokens.
 */
export function learnMerges(
  words: Uint8Array[],
  counts: readonly number[],
  options: LearnMergesOptions,
): LearnedMerges {
  const symbols: string[] = [...BYTE_TO_SYMBOL];
  const symbolIds = new Map(symbols.map((symbol, id) => [symbol, id]));
  if (256 + options.maxNewTokens > PAIR_KEY_BASE) {
    throw new RangeError("vocabulary too large");
  }

  const sequences = words.map((bytes) => Uint32Array.from(bytes));
  const lengths = Int32Array.from(words, (bytes) => bytes.length);
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const register = (key: number, word: number) => {
    const list = pairWords.get(key);
    if (list === undefined) pairWords.set(key, [word]);
    else if (list[list.length - 1] !== word) list.push(word);
  };
  for (let word = 0; word < sequences.length; word++) {
    const sequence = sequences[word];
    for (let i = 0; i + 1 < sequence.length; i++) {
      const key = sequence[i] * PAIR_KEY_BASE + sequence[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[word]);
      register(key, word);
    }
  }

  const heap = new PairHeap(symbols);
  for (const [key, count] of pairCounts) {
    heap.push({
      count,
      left: Math.floor(key / PAIR_KEY_BASE),
      right: key % PAIR_KEY_BASE,
    });
  }

  const mergedTokens: string[] = [];
  const merges: [string, string][] = [];
  const forbidden = new Set<number>();
  while (mergedTokens.length < options.maxNewTokens) {
    const best = heap.pop();
    if (best === undefined) break;
    const key = best.left * PAIR_KEY_BASE + best.right;
    const current = pairCounts.get(key) ?? 0;
    if (current !== best.count) {
      if (current > 0) heap.push({ ...best, count: current });
      continue;
    }
    if (current < options.minPairFrequency || current <= 0) break;
    if (forbidden.has(key)) continue;
    const token = symbols[best.left] + symbols[best.right];
    if (options.reserved.has(token)) {
      forbidden.add(key);
      continue;
    }
    let merged = symbolIds.get(token);
    if (merged === undefined) {
      merged = symbols.length;
      symbols.push(token);
      symbolIds.set(token, merged);
      mergedTokens.push(token);
    }
    merges.push([symbols[best.left], symbols[best.right]]);

    const deltas = new Map<number, number>();
    const change = (
      left: number,
      right: number,
      delta: number,
      word: number,
    ) => {
      const changedKey = left * PAIR_KEY_BASE + right;
      deltas.set(changedKey, (deltas.get(changedKey) ?? 0) + delta);
      if (delta > 0) register(changedKey, word);
    };
    for (const word of pairWords.get(key) ?? []) {
      lengths[word] = mergeInWord(
        sequences[word],
        lengths[word],
        best.left,
        best.right,
        merged,
        (left, right, sign) => change(left, right, sign * counts[word], word),
      );
    }
    pairWords.delete(key);
    pairCounts.delete(key);
    for (const [changedKey, delta] of deltas) {
      if (changedKey === key) continue;
      const count = (pairCounts.get(changedKey) ?? 0) + delta;
      if (count > 0) pairCounts.set(changedKey, count);
      else pairCounts.delete(changedKey);
      if (delta > 0 && count > 0) {
        heap.push({
          count,
          left: Math.floor(changedKey / PAIR_KEY_BASE),
          right: changedKey % PAIR_KEY_BASE,
        });
      }
    }
  }
  return { mergedTokens, merges };
}

/**
 * Replaces every non-overlapping occurrence of (left, right), scanning left to
 * right, by `merged` in place; reports each pair count change via `change`.
 * Returns the new length.
 */
function mergeInWord(
  sequence: Uint32Array,
  length: number,
  left: number,
  right: number,
  merged: number,
  change: (left: number, right: number, sign: 1 | -1) => void,
): number {
  let out = 0;
  let i = 0;
  while (i < length) {
    if (i + 1 < length && sequence[i] === left && sequence[i + 1] === right) {
      if (out > 0) {
        const previous = sequence[out - 1];
        change(previous, left, -1);
        change(previous, merged, 1);
      }
      change(left, right, -1);
      if (i + 2 < length) {
        const next = sequence[i + 2];
        change(right, next, -1);
        change(merged, next, 1);
      }
      sequence[out++] = merged;
      i += 2;
    } else {
      sequence[out++] = sequence[i++];
    }
  }
  return out;
}

/** Binary max-heap of pairs: higher count first, then smaller (left, right) strings. */
class PairHeap {
  #entries: HeapEntry[] = [];
  #symbols: readonly string[];

  constructor(symbols: readonly string[]) {
    this.#symbols = symbols;
  }

  push(entry: HeapEntry): void {
    const entries = this.#entries;
    entries.push(entry);
    let child = entries.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.#before(entries[child], entries[parent])) break;
      [entries[child], entries[parent]] = [entries[parent], entries[child]];
      child = parent;
    }
  }

  pop(): HeapEntry | undefined {
    const entries = this.#entries;
    const top = entries[0];
    const last = entries.pop();
    if (entries.length > 0 && last !== undefined) {
      entries[0] = last;
      let parent = 0;
      while (true) {
        const leftChild = 2 * parent + 1;
        const rightChild = leftChild + 1;
        let best = parent;
        if (
          leftChild < entries.length &&
          this.#before(entries[leftChild], entries[best])
        ) {
          best = leftChild;
        }
        if (
          rightChild < entries.length &&
          this.#before(entries[rightChild], entries[best])
        ) {
          best = rightChild;
        }
        if (best === parent) break;
        [entries[best], entries[parent]] = [entries[parent], entries[best]];
        parent = best;
      }
    }
    return top;
  }

  #before(a: HeapEntry, b: HeapEntry): boolean {
    if (a.count !== b.count) return a.count > b.count;
    const symbols = this.#symbols;
    if (a.left !== b.left) return symbols[a.left] < symbols[b.left];
    return symbols[a.right] < symbols[b.right];
  }
}
