/**
 * Word tokenisation and phrase-lexicon matching shared by the lexicon criteria (sentiment,
 * civility).
 *
 * Words: maximal runs of letters and digits, joined by an inner apostrophe, hyphen or ampersand
 * (`can't`, `cover-up`, `s&m`), or a single pictograph (emoji); lower-cased, curly apostrophes
 * straightened. Punctuation between two words (`.,;:!?()"…`, dashes, a spaced hyphen) starts a new
 * clause, which bounds negation scope. Lexicon entries (single words or multi-word phrases) are
 * tokenised the same way and matched greedily, longest phrase first, each word used by at most one
 * match. A compound word that matches nothing as a whole is matched part by part (`self-pity` →
 * `pity`).
 *
 * @module
 */

/** One word of a text. */
export interface Word {
  /** Lower-cased, apostrophes straightened. */
  text: string;
  /** Index of the clause the word belongs to (punctuation between words starts a new one). */
  clause: number;
}

/** One lexicon match over a word sequence. */
export interface LexiconMatch {
  /** Index of the first matched word. */
  start: number;
  /** Number of words the phrase spans (1 for a part of a compound word). */
  length: number;
  value: number;
  /** True when matched on a part of a compound word (e.g. `ass` in `bad-ass`). */
  inCompound: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['\u2019&-][\p{L}\p{N}]+)*|\p{Extended_Pictographic}/gu;
const CLAUSE_BREAK = /[.,;:!?()[\]{}"\u201c\u201d\u2013\u2014\u2026-]/u;
const COMPOUND_JOINER = /[-&]/;

/**
 * Splits text into words with clause indices. With `partial`, a last word that touches the end of
 * the text is left out: it may be unfinished (`goo` of `good`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenizeWords } from "./_words.ts";
 * const words = tokenizeWords("Don’t panic, it's FINE");
 * assert.deepEqual(words.map((w) => w.text), ["don't", "panic", "it's", "fine"]);
 * assert.deepEqual(words.map((w) => w.clause), [0, 0, 1, 1]);
 * assert.equal(tokenizeWords("it is goo", { partial: true }).length, 2);
 * ```
 */
export function tokenizeWords(text: string, options: { partial?: boolean } = {}): Word[] {
  const words: Word[] = [];
  let clause = 0;
  let previousEnd = 0;
  let lastEnd = 0;
  for (const match of text.matchAll(WORD)) {
    const start = match.index;
    if (words.length > 0 && CLAUSE_BREAK.test(text.slice(previousEnd, start))) clause++;
    words.push({ text: match[0].toLowerCase().replaceAll("\u2019", "'"), clause });
    previousEnd = start + match[0].length;
    lastEnd = previousEnd;
  }
  if (options.partial && words.length > 0 && lastEnd === text.length) words.pop();
  return words;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  value?: number;
}

/**
 * A word/phrase → value table matched over word sequences. Built once per lexicon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PhraseLexicon, tokenizeWords } from "./_words.ts";
 * const lexicon = new PhraseLexicon({ good: 3, "not good": -2, pity: -2 });
 * const matches = lexicon.match(tokenizeWords("Not good, a self-pity"));
 * assert.deepEqual(matches.map((m) => [m.start, m.length, m.value]), [[0, 2, -2], [3, 1, -2]]);
 * ```
 */
export class PhraseLexicon {
  readonly #root: TrieNode = { children: new Map() };
  /** Number of entries that tokenised to at least one word. */
  readonly size: number;

  constructor(entries: Record<string, number>) {
    let size = 0;
    for (const [phrase, value] of Object.entries(entries)) {
      const words = tokenizeWords(phrase);
      if (words.length === 0) continue;
      let node = this.#root;
      for (const word of words) {
        let child = node.children.get(word.text);
        if (!child) {
          child = { children: new Map() };
          node.children.set(word.text, child);
        }
        node = child;
      }
      if (node.value === undefined) size++;
      node.value = value;
    }
    this.size = size;
  }

  /** Greedy longest-first matches, in word order; a word belongs to at most one match. */
  match(words: readonly Word[]): LexiconMatch[] {
    const matches: LexiconMatch[] = [];
    const texts = words.map((w) => w.text);
    let i = 0;
    while (i < texts.length) {
      const length = this.#longestAt(texts, i);
      if (length > 0) {
        matches.push({ start: i, length, value: this.#valueOf(texts, i, length), inCompound: false });
        i += length;
        continue;
      }
      if (COMPOUND_JOINER.test(texts[i])) {
        const parts = texts[i].split(COMPOUND_JOINER).filter((part) => part.length > 0);
        for (let j = 0; j < parts.length;) {
          const partLength = this.#longestAt(parts, j);
          if (partLength > 0) {
            matches.push({
              start: i,
              length: 1,
              value: this.#valueOf(parts, j, partLength),
              inCompound: true,
            });
            j += partLength;
          } else {
            j++;
          }
        }
      }
      i++;
    }
    return matches;
  }

  #longestAt(texts: readonly string[], start: number): number {
    let node: TrieNode | undefined = this.#root;
    let longest = 0;
    for (let k = start; k < texts.length; k++) {
      node = node.children.get(texts[k]);
      if (!node) break;
      if (node.value !== undefined) longest = k - start + 1;
    }
    return longest;
  }

  #valueOf(texts: readonly string[], start: number, length: number): number {
    let node = this.#root;
    for (let k = start; k < start + length; k++) node = node.children.get(texts[k])!;
    return node.value!;
  }
}
