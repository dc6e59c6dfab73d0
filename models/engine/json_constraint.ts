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

/** One candidate's JSON constraint. */
export class JsonConstraint {
  #state: JsonState = JSON_OBJECT_START;

  /**
   * @param texts each token id's text ("" for special tokens and ids beyond the tokenizer)
   * @param endTokenIds the model's end-of-sequence ids, allowed once the document is complete
   * @param resumed tokens generated before this request continues them (blockwise decoding)
   */
  constructor(
    readonly texts: readonly string[],
    readonly endTokenIds: readonly number[],
    resumed: readonly number[] = [],
  ) {
    for (const tokenId of resumed) this.accept(tokenId);
  }

  /** Whether the text so far is a whole JSON object. */
  get complete(): boolean {
    return isJsonComplete(this.#state);
  }

  /** Sets to −∞ every logit whose token cannot come next. */
  readonly mask: LogitsProcessor = (logits) => {
    const complete = this.complete;
    let allowed = 0;
    for (let id = 0; id < logits.length; id++) {
      if (logits[id] === -Infinity) continue;
      const text = this.texts[id] ?? "";
      const ok = this.endTokenIds.includes(id)
        ? complete
        : text !== "" && advanceJsonText(this.#state, text) !== null;
      if (ok) allowed++;
      else logits[id] = -Infinity;
    }
    // Only possible if the vocabulary lacks what the document needs: end rather than sample from nothing.
    if (allowed === 0) { for (const id of this.endTokenIds) logits[id] = 0; }
  };

  /** Advances over a chosen token (end-of-sequence tokens change nothing). */
  accept(tokenId: number): void {
    if (this.endTokenIds.includes(tokenId)) return;
    this.#state = advanceJsonText(this.#state, this.texts[tokenId] ?? "") ?? this.#state;
  }
}
