/**
 * The project's tokenizer: a GPT-2-style byte-level BPE trained here and
 * saved as a Hugging Face tokenizer.json, loaded through
 * @huggingface/tokenizers.
 *
 * @example
 * ```ts
 * import { TextTokenizer, trainByteLevelBpe } from "./mod.ts";
 * const json = trainByteLevelBpe(["hello world, hello tokens"], {
 *   vocabSize: 270,
 *   specialTokens: ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"],
 * });
 * const tokenizer = TextTokenizer.fromJson(json);
 * const ids = tokenizer.encode("<|user|>hello<|endoftext|>");
 * if (ids[0] !== 2 || ids.at(-1) !== 0) throw new Error("special ids");
 * if (tokenizer.decode(ids) !== "<|user|>hello<|endoftext|>") throw new Error("round trip");
 * ```
 *
 * @module
 */

export { type ByteLevelBpeTrainingOptions, trainByteLevelBpe } from "./bpe_trainer.ts";
export { TokenizerError, TokenizerLoadError, UnknownTokenIdError } from "./errors.ts";
export type { StreamDecoder } from "./stream_decoder.ts";
export { type DecodeOptions, loadTokenizer, TextTokenizer } from "./text_tokenizer.ts";
export {
  type AddedTokenJson,
  type BpeModelJson,
  buildByteLevelTokenizerJson,
  type ByteLevelJson,
  serializeTokenizerJson,
  type TokenizerJson,
} from "./tokenizer_json.ts";
export { writeTokenizerJson } from "./write_tokenizer.ts";
