/**
 * Incremental detokenisation for streaming: each pushed id returns only the
 * text it completes. The concatenation of every `push` plus `flush` equals
 * decoding the whole sequence at once.
 *
 * @module
 */

import { SYMBOL_TO_BYTE } from "./_byte_level.ts";

/** Turns a stream of token ids into a stream of text chunks. */
export interface StreamDecoder {
  /** Adds one id; returns the text it completes (possibly ""). */
  push(id: number): string;
  /** Ends the stream; returns any text still held back. */
  flush(): string;
}

/** What the byte-level stream decoder needs to know about one id. */
export type ByteLevelTokenInfo =
  | { kind: "bytes"; token: string }
  | { kind: "added"; content: string; special: boolean };

/**
 * Stream decoder for tokenizers whose decoder is ByteLevel: token symbols map
 * to raw bytes, and a UTF-8 decoder in streaming mode holds back the bytes of
 * a character that is not complete yet. Added tokens are emitted as their
 * text (special ones dropped when `skipSpecialTokens`), closing the pending
 * bytes first exactly as a whole-sequence decode does.
 *
 * @param lookup describes an id, or throws for an id outside the vocabulary
 * @example
 * ```ts
 * const euro = ["â", "Ĥ", "¬"]; // the three byte symbols of "€" (E2 82 AC)
 * const decoder = createByteLevelStreamDecoder((id) => ({ kind: "bytes", token: euro[id] }));
 * const chunks = [decoder.push(0), decoder.push(1), decoder.push(2), decoder.flush()];
 * if (chunks.join("|") !== "||€|") throw new Error(chunks.join("|"));
 * ```
 */
export function createByteLevelStreamDecoder(
  lookup: (id: number) => ByteLevelTokenInfo,
  options: { skipSpecialTokens?: boolean } = {},
): StreamDecoder {
  // Same settings as @huggingface/tokenizers' ByteLevel decoder: lossy, BOM kept.
  let utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  const bytesCache = new Map<number, Uint8Array>();
  return {
    push(id) {
      const info = lookup(id);
      if (info.kind === "added") {
        if (info.special && options.skipSpecialTokens) return "";
        return utf8.decode() + info.content;
      }
      let bytes = bytesCache.get(id);
      if (bytes === undefined) {
        // Like the loader's decoder, a character outside the byte table becomes byte 0.
        bytes = Uint8Array.from(
          info.token,
          (symbol) => SYMBOL_TO_BYTE.get(symbol) ?? 0,
        );
        bytesCache.set(id, bytes);
      }
      return utf8.decode(bytes, { stream: true });
    },
    flush() {
      const rest = utf8.decode();
      utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
      return rest;
    },
  };
}

/**
 * Generic stream decoder for any tokenizer: re-decodes the ids so far and
 * emits the new suffix, holding back while the text ends in U+FFFD (an
 * incomplete character). Quadratic in the stream length; used only for
 * decoders without a byte-level fast path.
 *
 * @example
 * ```ts
 * const words = ["Hello", "world"];
 * const decoder = createPrefixDiffStreamDecoder((ids) => ids.map((id) => words[id]).join(" "));
 * if (decoder.push(0) + decoder.push(1) + decoder.flush() !== "Hello world") throw new Error();
 * ```
 */
export function createPrefixDiffStreamDecoder(
  decode: (ids: number[]) => string,
): StreamDecoder {
  let ids: number[] = [];
  let emitted = 0;
  const next = (final: boolean) => {
    const text = ids.length === 0 ? "" : decode(ids);
    if (!final && text.endsWith("\uFFFD")) return "";
    const chunk = text.slice(emitted);
    emitted = Math.max(emitted, text.length);
    return chunk;
  };
  return {
    push(id) {
      ids.push(id);
      return next(false);
    },
    flush() {
      const rest = next(true);
      ids = [];
      emitted = 0;
      return rest;
    },
  };
}
