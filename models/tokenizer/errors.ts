/**
 * Errors raised by the tokenizer folder. They know nothing of HTTP; the
 * routes layer maps them to the OpenAI error envelope.
 *
 * @module
 */

/** Base class of every tokenizer error. */
export class TokenizerError extends Error {
  override name = "TokenizerError";
}

/** A tokenizer.json could not be read or is not one the loader understands. */
export class TokenizerLoadError extends TokenizerError {
  override name = "TokenizerLoadError";
}

/** A token id outside the vocabulary was given to decode. */
export class UnknownTokenIdError extends TokenizerError {
  override name = "UnknownTokenIdError";

  /** @param id the offending id */
  constructor(readonly id: number) {
    super(`token id ${id} is not in the vocabulary`);
  }
}
