/**
 * The Hugging Face `tokenizer.json` shape for a GPT-2-style byte-level BPE
 * tokenizer, and its deterministic serialisation.
 *
 * @module
 */

/** One entry of `added_tokens`. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The `model` section of a byte-level BPE tokenizer.json. */
export interface BpeModelJson {
  type: "BPE";
  dropout: null;
  unk_token: null;
  continuing_subword_prefix: null;
  end_of_word_suffix: null;
  fuse_unk: boolean;
  byte_fallback: boolean;
  ignore_merges: boolean;
  /** token → id; special tokens first, then the 256 byte symbols, then merges. */
  vocab: Record<string, number>;
  /** `"left right"` in merge order (rank = index). */
  merges: string[];
}

/** The ByteLevel component configuration used for pre-tokenizer and decoder. */
export interface ByteLevelJson {
  type: "ByteLevel";
  add_prefix_space: boolean;
  trim_offsets: boolean;
  use_regex: boolean;
}

/** A byte-level BPE tokenizer.json as this project writes it. */
export interface TokenizerJson {
  version: "1.0";
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: null;
  pre_tokenizer: ByteLevelJson;
  post_processor: null;
  decoder: ByteLevelJson;
  model: BpeModelJson;
}

const BYTE_LEVEL: ByteLevelJson = {
  type: "ByteLevel",
  add_prefix_space: false,
  trim_offsets: true,
  use_regex: true,
};

/**
 * Assembles a tokenizer.json from an ordered token list and merges.
 *
 * @param specialTokens contents of the special tokens, which get ids 0..n-1
 * @param tokens the remaining tokens in id order (byte symbols, then merged tokens)
 * @param merges `[left, right]` pairs in rank order
 * @example
 * ```ts
 * const json = buildByteLevelTokenizerJson(["<|endoftext|>"], ["a", "b", "ab"], [["a", "b"]]);
 * if (json.model.vocab["ab"] !== 3) throw new Error("unexpected id");
 * ```
 */
export function buildByteLevelTokenizerJson(
  specialTokens: readonly string[],
  tokens: readonly string[],
  merges: readonly (readonly [string, string])[],
): TokenizerJson {
  const vocab: Record<string, number> = {};
  for (const [id, token] of [...specialTokens, ...tokens].entries()) {
    if (Object.hasOwn(vocab, token)) {
      throw new Error(`duplicate token ${JSON.stringify(token)}`);
    }
    // defineProperty: a token spelled "__proto__" must stay a plain entry.
    Object.defineProperty(vocab, token, {
      value: id,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { ...BYTE_LEVEL },
    post_processor: null,
    decoder: { ...BYTE_LEVEL },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}

/**
 * Serialises a tokenizer.json deterministically, with `model.vocab` listed in
 * id order (plain `JSON.stringify` would hoist integer-like keys such as "19").
 *
 * @example
 * ```ts
 * const json = buildByteLevelTokenizerJson([], ["1", "9", "19"], [["1", "9"]]);
 * const text = serializeTokenizerJson(json);
 * if (text.indexOf('"19"') < text.indexOf('"9"')) throw new Error("not in id order");
 * ```
 */
export function serializeTokenizerJson(json: TokenizerJson): string {
  const placeholder = "\u0000vocab\u0000";
  const shell = JSON.stringify(
    { ...json, model: { ...json.model, vocab: placeholder } },
    null,
    2,
  );
  const entries = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]);
  const vocab = entries.length === 0
    ? "{}"
    : `{\n${
      entries.map(([token, id]) => `      ${JSON.stringify(token)}: ${id}`)
        .join(",\n")
    }\n    }`;
  return shell.replace(JSON.stringify(placeholder), () => vocab) + "\n";
}
