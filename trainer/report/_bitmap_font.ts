/**
 * A 5×9 pixel bitmap font for printable ASCII (codes 32–126), drawn for this project's charts.
 *
 * Each glyph is 9 rows of 5 pixels: rows 0–6 hold capitals and digits (row 6 is the baseline row),
 * rows 7–8 hold descenders (g, j, p, q, y, comma, underscore). A row is two hex digits, a 5-bit mask
 * whose bit 4 is the leftmost pixel; one string per glyph keeps the table one line per
 * glyph. Characters outside printable ASCII render as "?".
 *
 * @module
 */

/** Glyph width in pixels. */
export const GLYPH_WIDTH = 5;
/** Glyph height in pixels, descenders included. */
export const GLYPH_HEIGHT = 9;
/** Horizontal distance from one glyph to the next (one blank column between glyphs). */
export const GLYPH_ADVANCE = 6;

const FIRST_CODE = 32;
const LAST_CODE = 126;

// deno-fmt-ignore
const GLYPH_HEX: readonly string[] = [
  "000000000000000000", // " "
  "040404040400040000", // "!"
  "0a0a00000000000000", // "\""
  "0a0a1f0a1f0a0a0000", // "#"
  "040f140e051e040000", // "$"
  "181902040813030000", // "%"
  "0c12140815120d0000", // "&"
  "040400000000000000", // "'"
  "020408080804020000", // "("
  "080402020204080000", // ")"
  "0004150e1504000000", // "*"
  "0004041f0404000000", // "+"
  "00000000000c0c0408", // ","
  "0000001f0000000000", // "-"
  "00000000000c0c0000", // "."
  "000102040810000000", // "/"
  "0e11131519110e0000", // "0"
  "040c040404040e0000", // "1"
  "0e11010204081f0000", // "2"
  "1f02040201110e0000", // "3"
  "02060a121f02020000", // "4"
  "1f101e0101110e0000", // "5"
  "0608101e11110e0000", // "6"
  "1f0102040808080000", // "7"
  "0e11110e11110e0000", // "8"
  "0e11110f01020c0000", // "9"
  "000c0c000c0c000000", // ":"
  "000c0c000c0c040800", // ";"
  "020408100804020000", // "<"
  "00001f001f00000000", // "="
  "080402010204080000", // ">"
  "0e1101020400040000", // "?"
  "0e11010d15150e0000", // "@"
  "0e11111f1111110000", // "A"
  "1e11111e11111e0000", // "B"
  "0e11101010110e0000", // "C"
  "1c12111111121c0000", // "D"
  "1f10101e10101f0000", // "E"
  "1f10101e1010100000", // "F"
  "0e11101711110f0000", // "G"
  "1111111f1111110000", // "H"
  "0e04040404040e0000", // "I"
  "0702020202120c0000", // "J"
  "111214181412110000", // "K"
  "1010101010101f0000", // "L"
  "111b15151111110000", // "M"
  "111119151311110000", // "N"
  "0e11111111110e0000", // "O"
  "1e11111e1010100000", // "P"
  "0e11111115120d0000", // "Q"
  "1e11111e1412110000", // "R"
  "0f10100e01011e0000", // "S"
  "1f0404040404040000", // "T"
  "1111111111110e0000", // "U"
  "11111111110a040000", // "V"
  "1111111515150a0000", // "W"
  "11110a040a11110000", // "X"
  "1111110a0404040000", // "Y"
  "1f01020408101f0000", // "Z"
  "0e08080808080e0000", // "["
  "001008040201000000", // "\\"
  "0e02020202020e0000", // "]"
  "040a11000000000000", // "^"
  "000000000000001f00", // "_"
  "080400000000000000", // "`"
  "00000e010f110f0000", // "a"
  "1010161911111e0000", // "b"
  "00000e1010110e0000", // "c"
  "01010d1311110f0000", // "d"
  "00000e111f100e0000", // "e"
  "0609081c0808080000", // "f"
  "00000f1111110f010e", // "g"
  "101016191111110000", // "h"
  "04000c0404040e0000", // "i"
  "02000602020202120c", // "j"
  "101012141814120000", // "k"
  "0c04040404040e0000", // "l"
  "00001a151515150000", // "m"
  "000016191111110000", // "n"
  "00000e1111110e0000", // "o"
  "00001e1111111e1010", // "p"
  "00000f1111110f0101", // "q"
  "000016191010100000", // "r"
  "00000f100e011e0000", // "s"
  "08081c080809060000", // "t"
  "0000111111130d0000", // "u"
  "00001111110a040000", // "v"
  "0000111115150a0000", // "w"
  "0000110a040a110000", // "x"
  "0000111111110f010e", // "y"
  "00001f0204081f0000", // "z"
  "030404080404030000", // "{"
  "040404040404040000", // "|"
  "180404020404180000", // "}"
  "000008150200000000", // "~"
];

const ROWS = new Uint8Array(GLYPH_HEX.length * GLYPH_HEIGHT);
GLYPH_HEX.forEach((hex, glyph) => {
  for (let row = 0; row < GLYPH_HEIGHT; row++) {
    ROWS[glyph * GLYPH_HEIGHT + row] = parseInt(hex.slice(2 * row, 2 * row + 2), 16);
  }
});

/**
 * The 9 row masks of the glyph for `character` (its first UTF-16 code unit); bit 4 is the leftmost
 * pixel. Characters outside printable ASCII give the "?" glyph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { glyphRows } from "./_bitmap_font.ts";
 * const top = glyphRows("T")[0];
 * assert.ok(top === 0b11111); // the T's bar spans all five columns
 * ```
 */
export function glyphRows(character: string): Uint8Array {
  let code = character.charCodeAt(0);
  if (!(code >= FIRST_CODE && code <= LAST_CODE)) code = "?".charCodeAt(0);
  const start = (code - FIRST_CODE) * GLYPH_HEIGHT;
  return ROWS.subarray(start, start + GLYPH_HEIGHT);
}
