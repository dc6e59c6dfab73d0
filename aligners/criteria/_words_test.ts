import assert from "node:assert/strict";
import { PhraseLexicon, tokenizeWords } from "./_words.ts";

Deno.test("tokenizeWords: joiners, apostrophes, emoji, lower case and clauses", () => {
  const words = tokenizeWords("Well-being: it’s S&M-free; 'quoted' 🖕 OK... x2");
  assert.deepEqual(words.map((w) => w.text), ["well-being", "it's", "s&m-free", "quoted", "🖕", "ok", "x2"]);
  assert.deepEqual(words.map((w) => w.clause), [0, 1, 1, 2, 2, 2, 3]);
  assert.deepEqual(tokenizeWords(" -- ... "), []);
});

Deno.test("tokenizeWords partial: only a last word touching the end is dropped", () => {
  assert.deepEqual(tokenizeWords("it is goo", { partial: true }).map((w) => w.text), ["it", "is"]);
  assert.deepEqual(tokenizeWords("it is good ", { partial: true }).map((w) => w.text), ["it", "is", "good"]);
  assert.deepEqual(tokenizeWords("it is good.", { partial: true }).map((w) => w.text), ["it", "is", "good"]);
  assert.deepEqual(tokenizeWords("goo", { partial: true }), []);
});

Deno.test("PhraseLexicon: longest match first, each word used once, compounds split when whole fails", () => {
  const lexicon = new PhraseLexicon({ "a b": 1, "a b c": 5, b: 2, c: 3, "x-y": 7, y: 11, "": 99 });
  assert.equal(lexicon.size, 6); // "" has no words
  const at = (text: string) =>
    lexicon.match(tokenizeWords(text)).map((m) => [m.start, m.length, m.value, m.inCompound]);
  assert.deepEqual(at("a b c"), [[0, 3, 5, false]]);
  assert.deepEqual(at("a b d c"), [[0, 2, 1, false], [3, 1, 3, false]]);
  assert.deepEqual(at("b b"), [[0, 1, 2, false], [1, 1, 2, false]]);
  assert.deepEqual(at("x-y z-y"), [[0, 1, 7, false], [1, 1, 11, true]]);
  assert.deepEqual(at("A B"), [[0, 2, 1, false]]); // case-insensitive
  assert.deepEqual(at("ab bc"), []); // whole words only
});
