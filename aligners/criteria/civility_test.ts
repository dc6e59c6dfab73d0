import assert from "node:assert/strict";
import englishList from "naughty-words/en.json" with { type: "json" };
import { createCivilityCriterion } from "./civility.ts";

const civility = createCivilityCriterion();

async function scoreOf(text: string, partial = false) {
  return (await civility.score("", [text], { partial }))[0];
}

Deno.test("civility: −(list matches per 100 words), hand-counted", async () => {
  for (const entry of ["bullshit", "ass", "barely legal", "2 girls 1 cup", "🖕"]) {
    assert.ok(englishList.includes(entry), `${entry} is on the list`); // the counts below rely on these
  }
  assert.ok(!englishList.includes("bad-ass") && !englishList.includes("badass"));
  const cases: [string, number][] = [
    ["Hello there, friend.", 0],
    ["What a bullshit answer", -100 / 4],
    ["WHAT A BULLSHIT ANSWER", -100 / 4],
    ["A classic class assessment", 0], // "ass" inside words does not count
    ["The speed was barely legal here.", -100 / 6], // a two-word entry is one match
    ["2 girls 1 cup", -100 / 4], // one four-word entry, not four matches
    ["a bad-ass move", -100 / 3], // compound checked part by part
    ["ass ass", -100],
    ["ok 🖕", -50],
    ["", 0],
  ];
  for (const [text, expected] of cases) {
    assert.ok(
      Math.abs((await scoreOf(text)) - expected) < 1e-12,
      `${text}: ${await scoreOf(text)} vs ${expected}`,
    );
  }
  assert.ok(Object.is(await scoreOf("clean text"), 0), "clean is +0, not −0");
});

Deno.test("civility partial: an unfinished last word is not counted yet", async () => {
  assert.equal(await scoreOf("you bullsh", true), 0);
  assert.equal(await scoreOf("what bullshit ", true), -50);
  assert.equal(await scoreOf("what bullshit", true), 0); // "bullshit" could still become "bullshitting"
});

Deno.test("civility takes no parameters", async () => {
  await assert.rejects(civility.score("", ["x"], { params: { strict: true } }), /params\.strict/);
});
