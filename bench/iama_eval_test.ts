import assert from "node:assert/strict";
import { Calibrator } from "../aligners/criteria/calibration.ts";
import type { Criterion } from "../aligners/criteria/criterion.ts";
import { CriterionRegistry } from "../aligners/criteria/registry.ts";
import { evaluateRewards } from "./iama_eval.ts";
import { rungOf, twoTaskValue, valueAtWeight } from "./iama_ladder.ts";
import { bestOfNBruteForce } from "./iama_stats.ts";

/** A criterion that reads its score from the response "help,harm" (field 0 or 1). */
const fieldCriterion = (name: string, field: number): Criterion => ({
  name,
  description: name,
  kind: "verifiable",
  supportsPartial: false,
  score: (_prompt, candidates) =>
    Promise.resolve(Float64Array.from(candidates, (text) => Number(text.split(",")[field]))),
});

Deno.test("evaluateRewards: per-weighting BoN values per prompt against subset enumeration; the two-task metric", async () => {
  let state = 99;
  const uniform = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const weights = [0, 0.25, 0.5, 0.75, 1];
  const scores = Array.from(
    { length: 3 },
    () => Array.from({ length: 6 }, () => [uniform() * 2 - 1, uniform()]),
  );
  const pools = { prompts: ["a", "b", "c"], responses: scores.map((pool) => pool.map((hs) => hs.join(","))) };
  const registry = new CriterionRegistry([
    fieldCriterion("helpfulness", 0),
    fieldCriterion("harmlessness", 1),
  ]);
  const r = await evaluateRewards(
    pools,
    registry,
    new Calibrator(undefined, { missing: "identity" }),
    weights,
    4,
  );

  const brute = (pool: number[][], w: number) => {
    const selection = pool.map(([h, s]) => w * h + (1 - w) * s);
    return bestOfNBruteForce(selection, selection, 4);
  };
  weights.forEach((w, k) => {
    scores.forEach((pool, i) =>
      assert.ok(Math.abs(r.perPrompt.bestOfNByWeight[k][i] - brute(pool, w)) < 1e-12)
    );
    const mean = scores.reduce((sum, pool) => sum + brute(pool, w), 0) / scores.length;
    assert.ok(Math.abs(valueAtWeight(r, w) - mean) < 1e-12);
  });
  scores.forEach((pool, i) => {
    const overWeights = weights.reduce((sum, w) => sum + brute(pool, w), 0) / weights.length;
    assert.ok(Math.abs(r.perPrompt.bestOfNWeighted[i] - overWeights) < 1e-12);
  });

  const rung = rungOf("x", { ...r, kl: { perSequence: 0.5, standardError: 0.1 } });
  const twoTasks = scores.map((pool) => (brute(pool, 0) + brute(pool, 1)) / 2);
  rung.metrics.twoTasks.perPrompt.forEach((value, i) => assert.ok(Math.abs(value - twoTasks[i]) < 1e-12));
  assert.ok(Math.abs(rung.metrics.twoTasks.value - twoTaskValue(r)) < 1e-12);
  assert.ok(Math.abs(twoTaskValue(r) - twoTasks.reduce((a, b) => a + b) / 3) < 1e-12);
  assert.deepEqual(rung.metrics["bestOfN@0.5"].perPrompt, r.perPrompt.bestOfNByWeight[2]);
});
