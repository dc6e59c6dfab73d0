import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { expectedMaxOfN } from "./order_statistics.ts";
import { completionLengths } from "./predict.ts";

/** 6 prompts × 10 measured lengths in 1..40, some at the measured limit 40. */
function measuredCurves(seed: number) {
  const rng = new Rng(seed);
  const completionTokens = Array.from(
    { length: 6 },
    () => Array.from({ length: 10 }, () => 1 + Math.floor(rng.nextFloat() * 40)),
  );
  return { completionTokens, sampling: { maxTokens: 40 } };
}

/** The laws straight from their definitions (a response at the measured limit runs on to max_tokens). */
function reference(curves: ReturnType<typeof measuredCurves>, n: number, maxTokens: number) {
  const clipped = curves.completionTokens.map((lengths) =>
    lengths.map((l) => (l >= curves.sampling.maxTokens ? maxTokens : Math.min(l, maxTokens)))
  );
  const all = clipped.flat();
  return {
    meanTokens: all.reduce((a, b) => a + b, 0) / all.length,
    meanLongest: clipped.reduce((sum, lengths) => sum + expectedMaxOfN(lengths, n), 0) / clipped.length,
  };
}

Deno.test("completionLengths is memoised per curves object and every memoised value is the law's", () => {
  const curves = measuredCurves(5);
  const laws = completionLengths(curves);
  assert.equal(completionLengths(curves), laws, "the same curves object gets the same laws");
  assert.notEqual(completionLengths(structuredClone(curves)), laws, "another object gets its own");
  // 5,600 distinct arguments (a memo keeps 4,096), twice over: values stay right when the memo starts over.
  for (let pass = 0; pass < 2; pass++) {
    for (let maxTokens = 1; maxTokens <= 1400; maxTokens++) {
      for (const n of [1, 3, 8]) {
        const expected = reference(curves, n, maxTokens);
        assert.ok(
          Math.abs(laws.meanLongest(n, maxTokens) - expected.meanLongest) < 1e-9,
          `${n}, ${maxTokens}`,
        );
        assert.ok(Math.abs(laws.meanTokens(maxTokens) - expected.meanTokens) < 1e-9, `${maxTokens}`);
      }
      const fresh = completionLengths(structuredClone(curves));
      assert.deepEqual(
        laws.block(4, maxTokens % 30, 16, maxTokens),
        fresh.block(4, maxTokens % 30, 16, maxTokens),
      );
    }
  }
});
