/**
 * GPT-2 byte-level conventions shared by the trainer and the stream decoder:
 * the bytes_to_unicode table and the pre-tokenizer regex, written exactly as
 * @huggingface/tokenizers 0.2.0 applies them (its ByteLevel pre-tokenizer
 * hard-codes this pattern with the `gu` flags, whatever tokenizer.json says).
 *
 * @module
 */

/**
 * GPT-2's pre-tokenizer pattern. JavaScript's `\s` differs from Oniguruma's
 * (the Rust `tokenizers` engine) on U+0085 and U+FEFF only.
 */
export const GPT2_PRETOKENIZE_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** `BYTE_TO_SYMBOL[b]` is the one-character symbol GPT-2 uses for byte `b`. */
export const BYTE_TO_SYMBOL: readonly string[] = buildByteToSymbol();

/** Inverse of {@link BYTE_TO_SYMBOL}: symbol character → byte value. */
export const SYMBOL_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_SYMBOL.map((symbol, byte) => [symbol, byte]),
);

/**
 * Byte values ordered by their symbol's code point: the order in which
 * Hugging Face's trainer (and GPT-2's vocab) list the 256 byte symbols.
 */
export const BYTES_IN_SYMBOL_ORDER: readonly number[] = Array.from(
  { length: 256 },
  (_, byte) => byte,
).sort((a, b) => BYTE_TO_SYMBOL[a].charCodeAt(0) - BYTE_TO_SYMBOL[b].charCodeAt(0));

function buildByteToSymbol(): string[] {
  const isPrintable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) ||
    (byte >= 0xae && byte <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    table.push(String.fromCharCode(isPrintable(byte) ? byte : 256 + shifted++));
  }
  return table;
}

/** Maps a byte-level token (a string of byte symbols) back to its bytes. */
export function symbolsToBytes(token: string): Uint8Array {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const byte = SYMBOL_TO_BYTE.get(token[i]);
    if (byte === undefined) {
      throw new RangeError(
        `not a byte-level symbol: ${JSON.stringify(token[i])}`,
      );
    }
    bytes[i] = byte;
  }
  return bytes;
}

/**
 * Splits `text` around occurrences of `specialTokens` the way the loader's
 * added-token splitter does: scanning left to right, at the first position
 * where any special token starts, the longest one starting there wins.
 */
export function splitOnSpecialTokens(
  text: string,
  specialTokens: readonly string[],
): { text: string; special: boolean }[] {
  const pieces: { text: string; special: boolean }[] = [];
  const present = specialTokens.filter((token) => token.length > 0 && text.includes(token));
  const nextIndex = present.map((token) => text.indexOf(token));
  let start = 0;
  while (true) {
    let position = Infinity;
    let match = "";
    for (let k = 0; k < present.length; k++) {
      if (nextIndex[k] !== -1 && nextIndex[k] < start) {
        nextIndex[k] = text.indexOf(present[k], start);
      }
      const index = nextIndex[k];
      if (index === -1) continue;
      if (
        index < position ||
        (index === position && present[k].length > match.length)
      ) {
        position = index;
        match = present[k];
      }
    }
    if (match === "") break;
    if (position > start) {
      pieces.push({ text: text.slice(start, position), special: false });
    }
    pieces.push({ text: match, special: true });
    start = position + match.length;
  }
  if (start < text.length) {
    pieces.push({ text: text.slice(start), special: false });
  }
  return pieces;
}
