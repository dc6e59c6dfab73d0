import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { exactFirstVariationSoftBestOfN, exactValueSoftBestOfN } from "./exact_discrete.ts";
import { firstVariationSoftBestOfN, pluginValueSoftBestOfN } from "./soft_best_of_n.ts";
import { sampleIndices, tiedRewards } from "./_testing.ts";

Deno.test("SoftBoN first variation has zero group mean (to 1e-12), at any temperature and scale", () => {
  const rng = new Rng(3);
  for (const tau of [1e-3, 0.1, 1, 100]) {
    for (const scale of [1, 1e3]) {
      const rewards = Float64Array.from({ length: 16 }, () => scale * rng.normal());
      const estimate = firstVariationSoftBestOfN(rewards, tau);
      assert.ok(estimate.every(Number.isFinite));
      const mean = estimate.reduce((a, b) => a + b, 0) / estimate.length;
      assert.ok(Math.abs(mean) <= 1e-12 * scale, `tau=${tau} scale=${scale}: mean ${mean}`);
    }
  }
});

Deno.test("SoftBoN plug-in equals the exact first variation of the group's empirical distribution", () => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 20; trial++) {
    const rewards = tiedRewards(8, rng);
    const uniform = new Float64Array(8).fill(1 / 8);
    const tau = 0.05 + rng.nextFloat();
    const exact = exactFirstVariationSoftBestOfN(uniform, rewards, tau);
    const estimate = firstVariationSoftBestOfN(rewards, tau);
    for (let j = 0; j < 8; j++) assert.ok(Math.abs(estimate[j] - exact[j]) < 1e-12);
    assert.ok(
      Math.abs(pluginValueSoftBestOfN(rewards, tau) - exactValueSoftBestOfN(uniform, rewards, tau)) < 1e-12,
    );
  }
});

Deno.test("SoftBoN plug-in value is the softmax-weighted mean; τ → 0 gives the max, τ → ∞ the mean", () => {
  const rewards = [0.2, 0.9, 0.5];
  assert.ok(Math.abs(pluginValueSoftBestOfN(rewards, 1e-3) - 0.9) < 1e-12);
  assert.ok(Math.abs(pluginValueSoftBestOfN(rewards, 1e9) - 1.6 / 3) < 1e-9);
  const weights = rewards.map((r) => Math.exp(r / 0.5));
  const total = weights.reduce((a, b) => a + b, 0);
  const expected = weights.reduce((sum, w, i) => sum + (w / total) * rewards[i], 0);
  assert.ok(Math.abs(pluginValueSoftBestOfN(rewards, 0.5) - expected) < 1e-15);
});

Deno.test("SoftBoN plug-in converges to the exact first variation; error shrinks from M = 8 to M = 64", () => {
  const probabilities = Float64Array.of(0.35, 0.25, 0.2, 0.15, 0.05);
  const support = Float64Array.of(0, 0.3, 0.5, 0.8, 1);
  const tau = 0.25;
  const exact = exactFirstVariationSoftBestOfN(probabilities, support, tau);
  const meanSquaredError = (m: number) => {
    let total = 0;
    const seeds = 400;
    for (let seed = 0; seed < seeds; seed++) {
      const indices = sampleIndices(probabilities, m, new Rng(seed, m));
      const estimate = firstVariationSoftBestOfN(Float64Array.from(indices, (i) => support[i]), tau);
      for (let j = 0; j < m; j++) total += (estimate[j] - exact[indices[j]]) ** 2 / m;
    }
    return total / seeds;
  };
  const error8 = meanSquaredError(8);
  const error64 = meanSquaredError(64);
  assert.ok(
    error64 < 0.35 * error8, // measured ≈ 0.24
    `MSE ${error64} at M = 64 vs ${error8} at M = 8`,
  );
  const large = sampleIndices(probabilities, 20_000, new Rng(99));
  const estimate = firstVariationSoftBestOfN(Float64Array.from(large, (i) => support[i]), tau);
  for (let j = 0; j < 100; j++) assert.ok(Math.abs(estimate[j] - exact[large[j]]) < 0.05);
});

Deno.test("SoftBoN rejects a non-positive temperature and non-finite rewards", () => {
  assert.throws(() => firstVariationSoftBestOfN([0, 1], 0), RangeError);
  assert.throws(() => firstVariationSoftBestOfN([0, Infinity], 1), RangeError);
  assert.throws(() => pluginValueSoftBestOfN([], 1), RangeError);
});
