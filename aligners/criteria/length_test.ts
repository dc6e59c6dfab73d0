import assert from "node:assert/strict";
import { CriterionParamsError } from "./errors.ts";
import { countWords, createLengthCriterion, lengthReward } from "./length.ts";

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

Deno.test("length: r = −((|y| − L)/L_max)² in words, target and scale per request", async () => {
  const length = createLengthCriterion({ defaultTarget: 50, defaultScale: 100 });
  const sizes = [0, 1, 20, 50, 75, 130];
  const texts = sizes.map(words);
  assert.deepEqual(texts.map(countWords), sizes);
  const byDefault = await length.score("prompt", texts);
  const perRequest = await length.score("prompt", texts, { params: { target: 20, scale: 40 } });
  sizes.forEach((n, i) => {
    assert.ok(Math.abs(byDefault[i] + ((n - 50) / 100) ** 2) < 1e-15, `default, ${n} words`);
    assert.ok(Math.abs(perRequest[i] + ((n - 20) / 40) ** 2) < 1e-15, `target 20, ${n} words`);
  });
  assert.equal(byDefault[3], 0);
  assert.equal(perRequest[2], 0);
});

Deno.test("length partial = best final score any completion can reach (brute force over completions)", () => {
  for (const target of [0, 5, 12]) {
    for (const scale of [3, 10]) {
      for (let prefix = 0; prefix <= 20; prefix++) {
        let best = -Infinity;
        for (let final = prefix; final <= 60; final++) {
          best = Math.max(best, lengthReward(final, target, scale));
        }
        assert.equal(lengthReward(prefix, target, scale, true), best, `prefix ${prefix}, target ${target}`);
      }
    }
  }
});

Deno.test("length partial through the criterion: short prefixes are not penalised yet", async () => {
  const length = createLengthCriterion();
  const scores = await length.score("", [words(3), words(12)], {
    partial: true,
    params: { target: 10, scale: 4 },
  });
  assert.deepEqual([...scores], [0, -0.25]);
});

Deno.test("length with a token counter counts tokens instead of words", async () => {
  const characters = createLengthCriterion({
    countTokens: (text) => text.length,
    defaultTarget: 4,
    defaultScale: 2,
  });
  assert.deepEqual([...await characters.score("", ["abcd", "ab", "abcdef"])], [0, -1, -1]);
  assert.match(characters.description, /tokens/);
});

Deno.test("length: invalid params and config are CriterionParamsError naming the field", async () => {
  const length = createLengthCriterion();
  for (
    const [params, field] of [[{ target: -1 }, "target"], [{ target: 2.5 }, "target"], [
      { scale: 0 },
      "scale",
    ], [
      { target: "10" },
      "target",
    ], [{ tagret: 10 }, "tagret"]] as const
  ) {
    await assert.rejects(length.score("", ["x"], { params }), (error: unknown) => {
      assert.ok(error instanceof CriterionParamsError, String(error));
      assert.equal(error.param, field);
      assert.equal(error.criterion, "length");
      return true;
    });
  }
  assert.throws(() => createLengthCriterion({ defaultScale: -1 }), /params\.scale/);
});
