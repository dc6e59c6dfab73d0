/**
 * `TextTokenizer`: the project's view of a Hugging Face tokenizer.json, backed
 * by @huggingface/tokenizers. Encoding never inserts special tokens, but
 * special tokens written in the text are recognised; decoding is lossless
 * (the loader's default "clean up tokenization spaces" is switched off).
 *
 * @module
 */

import { Tokenizer } from "@huggingface/tokenizers";
import { join } from "node:path";
import { symbolsToBytes } from "./_byte_level.ts";
import { TokenizerLoadError, UnknownTokenIdError } from "./errors.ts";
import {
  type ByteLevelTokenInfo,
  createByteLevelStreamDecoder,
  createPrefixDiffStreamDecoder,
  type StreamDecoder,
} from "./stream_decoder.ts";

/** Options of {@link TextTokenizer.decode} and {@link TextTokenizer.createStreamDecoder}. */
export interface DecodeOptions {
  /** Leave out special tokens (such as `<|endoftext|>`) from the text. */
  skipSpecialTokens?: boolean;
}

// The loader insists on these keys being present, even when null.
const REQUIRED_DEFAULTS = {
  normalizer: null,
  pre_tokenizer: null,
  post_processor: null,
  decoder: null,
  added_tokens: [],
};

/** A loaded tokenizer: text ↔ token ids. */
export class TextTokenizer {
  readonly #tokenizer: Tokenizer;
  readonly #vocab: readonly (string | undefined)[];
  readonly #addedTokens: ReadonlyMap<
    number,
    { content: string; special: boolean }
  >;
  readonly #byteLevel: boolean;

  private constructor(tokenizer: Tokenizer, byteLevel: boolean) {
    this.#tokenizer = tokenizer;
    const model = tokenizer.model;
    if (model === null) {
      throw new TokenizerLoadError("tokenizer.json has no model");
    }
    this.#vocab = model.vocab;
    this.#addedTokens = tokenizer.get_added_tokens_decoder();
    this.#byteLevel = byteLevel && !model.end_of_word_suffix;
  }

  /**
   * Builds a tokenizer from a parsed tokenizer.json object.
   *
   * @example
   * ```ts
   * import { trainByteLevelBpe } from "./bpe_trainer.ts";
   * const json = trainByteLevelBpe(["hello hello"], { vocabSize: 260, specialTokens: ["<|endoftext|>"] });
   * const tokenizer = TextTokenizer.fromJson(json);
   * if (tokenizer.decode(tokenizer.encode("hello<|endoftext|>")) !== "hello<|endoftext|>") throw new Error();
   * ```
   */
  static fromJson(json: object): TextTokenizer {
    try {
      const complete = { ...REQUIRED_DEFAULTS, ...json } as Record<
        string,
        unknown
      >;
      const tokenizer = new Tokenizer(complete, {
        clean_up_tokenization_spaces: false,
      });
      const decoder = complete.decoder as { type?: unknown } | null;
      return new TextTokenizer(tokenizer, decoder?.type === "ByteLevel");
    } catch (error) {
      if (error instanceof TokenizerLoadError) throw error;
      throw new TokenizerLoadError(
        `cannot load tokenizer.json: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Number of ids (highest id + 1), added tokens included. */
  get vocabSize(): number {
    return this.#vocab.length;
  }

  /**
   * Text → ids. No special tokens are inserted; those written in the text
   * (for example `<|endoftext|>`) become their single id.
   *
   * @example
   * ```ts
   * import { trainByteLevelBpe } from "./bpe_trainer.ts";
   * const tokenizer = TextTokenizer.fromJson(trainByteLevelBpe([], { vocabSize: 257, specialTokens: ["<|endoftext|>"] }));
   * if (tokenizer.encode("hi<|endoftext|>").length !== 3) throw new Error();
   * ```
   */
  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Ids → text. Throws {@link UnknownTokenIdError} for an id outside the vocabulary.
   *
   * @example
   * ```ts
   * import { trainByteLevelBpe } from "./bpe_trainer.ts";
   * const tokenizer = TextTokenizer.fromJson(trainByteLevelBpe([], { vocabSize: 257, specialTokens: ["<|endoftext|>"] }));
   * const ids = tokenizer.encode("ok<|endoftext|>");
   * if (tokenizer.decode(ids, { skipSpecialTokens: true }) !== "ok") throw new Error();
   * ```
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return "";
    for (const id of ids) this.#checkId(id);
    return this.#tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: false,
    });
  }

  /** The id of a vocabulary token (a byte-level symbol string such as "Ġthe"), if any. */
  tokenToId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  /** The vocabulary token of an id, if any. */
  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.#vocab[id] : undefined;
  }

  /**
   * The bytes a token stands for, for byte-level tokenizers: a vocabulary token's bytes, a non-special
   * added token's UTF-8. Undefined for special tokens, and for every token of other tokenizers (whose
   * tokens are text, not bytes).
   *
   * @example
   * ```ts
   * import { trainByteLevelBpe } from "./bpe_trainer.ts";
   * const tokenizer = TextTokenizer.fromJson(trainByteLevelBpe([], { vocabSize: 257, specialTokens: ["<|endoftext|>"] }));
   * const [first] = tokenizer.encode("é"); // two bytes, C3 A9: the first is a token of its own
   * if (tokenizer.tokenBytes(first)?.[0] !== 0xc3) throw new Error();
   * if (tokenizer.tokenBytes(tokenizer.tokenToId("<|endoftext|>")!) !== undefined) throw new Error();
   * ```
   */
  tokenBytes(id: number): Uint8Array | undefined {
    const token = this.#checkId(id);
    if (!this.#byteLevel) return undefined;
    const added = this.#addedTokens.get(id);
    if (added === undefined) return symbolsToBytes(token);
    return added.special ? undefined : new TextEncoder().encode(added.content);
  }

  /**
   * A decoder for streaming generation: `push(id)` returns only newly completed
   * text, never half a UTF-8 character; `flush()` returns what is held back.
   *
   * @example
   * ```ts
   * import { trainByteLevelBpe } from "./bpe_trainer.ts";
   * const tokenizer = TextTokenizer.fromJson(trainByteLevelBpe([], { vocabSize: 257, specialTokens: ["<|endoftext|>"] }));
   * const stream = tokenizer.createStreamDecoder();
   * const text = tokenizer.encode("€").map((id) => stream.push(id)).join("") + stream.flush();
   * if (text !== "€") throw new Error();
   * ```
   */
  createStreamDecoder(options: DecodeOptions = {}): StreamDecoder {
    if (!this.#byteLevel) {
      return createPrefixDiffStreamDecoder((ids) => this.decode(ids, options));
    }
    return createByteLevelStreamDecoder((id) => this.#describe(id), options);
  }

  #describe(id: number): ByteLevelTokenInfo {
    const token = this.#checkId(id);
    const added = this.#addedTokens.get(id);
    return added === undefined
      ? { kind: "bytes", token }
      : { kind: "added", content: added.content, special: added.special };
  }

  #checkId(id: number): string {
    const token = this.idToToken(id);
    if (token === undefined) throw new UnknownTokenIdError(id);
    return token;
  }
}

/**
 * Loads a tokenizer from a model folder (reading its `tokenizer.json`) or
 * from the path of a tokenizer.json file.
 *
 * @example
 * ```ts
 * import { trainByteLevelBpe } from "./bpe_trainer.ts";
 * import { writeTokenizerJson } from "./write_tokenizer.ts";
 * const folder = await Deno.makeTempDir();
 * const json = trainByteLevelBpe(["a b"], { vocabSize: 257, specialTokens: ["<|endoftext|>"] });
 * await writeTokenizerJson(`${folder}/tokenizer.json`, json);
 * const tokenizer = await loadTokenizer(folder);
 * if (tokenizer.vocabSize !== 257) throw new Error();
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function loadTokenizer(
  folderOrJsonPath: string,
): Promise<TextTokenizer> {
  let path = folderOrJsonPath;
  let text: string;
  try {
    if ((await Deno.stat(path)).isDirectory) {
      path = join(path, "tokenizer.json");
    }
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new TokenizerLoadError(
      `cannot read ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TokenizerLoadError(
      `${path} is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TokenizerLoadError(
      `${path} does not hold a tokenizer.json object`,
    );
  }
  return TextTokenizer.fromJson(json);
}
