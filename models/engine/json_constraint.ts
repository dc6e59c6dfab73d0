/**
 * Constrained decoding for `response_format: json_object`: one candidate's JSON state (json_grammar.ts)
 * and a logits processor that leaves only the tokens whose text continues the document, and the
 * end-of-sequence tokens only once it is complete. The text is compact JSON (no whitespace between
 * tokens). A document cut off by max_tokens stays unfinished, as OpenAI's JSON mode does.
 *
 * Token texts are each id decoded alone, special tokens as "" (never allowed): a token holding part of a
 * multi-byte character decodes to U+FFFD, which the grammar takes as one more character, allowed inside
 * strings only, where the whole character belongs.
 *
 * @module
 */
import { advanceJsonText, isJsonComplete, JSON_OBJECT_START, type JsonState } from "./json_grammar.ts";
import type { LogitsProcessor } from "./logits_processors.ts";

/** Allowed-token masks by grammar state, shared by the candidates of one vocabulary (states recur). */
export type JsonMaskCache = Map<string, Uint8Array>;

/** Most masks a cache holds before it starts over (a mask is one byte per vocabulary id). */
const MAX_CACHED_MASKS = 1024;

/** One candidate's JSON constraint. */
export class JsonConstraint {
  #state: JsonState = JSON_OBJECT_START;

  /**
   * @param texts each token id's text ("" for special tokens and ids beyond the tokenizer)
   * @param endTokenIds the model's end-of-sequence ids, allowed once the document is complete
   * @param resumed tokens generated before this request continues them (blockwise decoding)
   * @param masks the allowed ids per state for these `texts`, filled as states are met
   */
  constructor(
    readonly texts: readonly string[],
    readonly endTokenIds: readonly number[],
    resumed: readonly number[] = [],
    readonly masks: JsonMaskCache = new Map(),
  ) {
    for (const tokenId of resumed) this.accept(tokenId);
  }

  /** Whether the text so far is a whole JSON object. */
  get complete(): boolean {
    return isJsonComplete(this.#state);
  }

  /** Sets to −∞ every logit whose token cannot come next. */
  readonly mask: LogitsProcessor = (logits) => {
    const allowed = this.#allowed();
    let left = 0;
    for (let id = 0; id < logits.length; id++) {
      if (allowed[id] === 0) logits[id] = -Infinity;
      else if (logits[id] !== -Infinity) left++;
    }
    // Only possible if the vocabulary lacks what the document needs: end rather than sample from nothing.
    if (left === 0) { for (const id of this.endTokenIds) logits[id] = 0; }
  };

  /** Advances over a chosen token (end-of-sequence tokens change nothing). */
  accept(tokenId: number): void {
    if (this.endTokenIds.includes(tokenId)) return;
    this.#state = advanceJsonText(this.#state, this.texts[tokenId] ?? "") ?? this.#state;
  }

  /** 1 for each id that can come next from this state (the vocabulary is tried once per state). */
  #allowed(): Uint8Array {
    const key = JSON.stringify(this.#state);
    let allowed = this.masks.get(key);
    if (allowed !== undefined) return allowed;
    allowed = new Uint8Array(this.texts.length);
    const complete = this.complete;
    for (let id = 0; id < this.texts.length; id++) {
      const text = this.texts[id];
      const ok = this.endTokenIds.includes(id)
        ? complete
        : text !== "" && advanceJsonText(this.#state, text) !== null;
      allowed[id] = ok ? 1 : 0;
    }
    if (this.masks.size >= MAX_CACHED_MASKS) this.masks.clear();
    this.masks.set(key, allowed);
    return allowed;
  }
}
