import assert from "node:assert/strict";
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from "./_bitmap_font.ts";

const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

Deno.test("every printable ASCII character has its own 5×9 glyph", () => {
  const seen = new Map<string, string>();
  for (const character of printable) {
    const rows = glyphRows(character);
    assert.equal(rows.length, GLYPH_HEIGHT);
    assert.ok(rows.every((row) => row < 1 << GLYPH_WIDTH), `${character} fits in ${GLYPH_WIDTH} columns`);
    const key = rows.join();
    assert.equal(rows.some((row) => row !== 0), character !== " ", `${JSON.stringify(character)} has ink`);
    assert.ok(!seen.has(key), `${JSON.stringify(character)} looks like ${JSON.stringify(seen.get(key))}`);
    seen.set(key, character);
  }
});

Deno.test("capitals and digits stay above the descender rows; descenders use them", () => {
  for (const character of "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
    assert.deepEqual([...glyphRows(character).subarray(7)], [0, 0], character);
  }
  for (const character of "gjpqy") assert.ok(glyphRows(character)[7] !== 0, character);
  assert.deepEqual([...glyphRows("T").subarray(0, 2)], [0b11111, 0b00100]);
});

Deno.test("characters outside printable ASCII fall back to the question mark", () => {
  for (const character of ["é", "→", "\n", "\u007f"]) assert.deepEqual(glyphRows(character), glyphRows("?"));
});
