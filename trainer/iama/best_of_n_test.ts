import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { firstVariationBestOfN, pluginValueBestOfN } from "./best_of_n.ts";
import { exactForcedBestOfN } from "./exact_discrete.ts";
import { sampleIndices, tiedRewards } from "./_testing.ts";

/** Reference: N·E[max(r_j, pool)] over all M^{N−1} pools drawn with replacement from the group. */
function bruteForceForced(rewards: Float64Array, n: number): Float64Array {
  const m = rewards.length;
  const poolCount = m ** (n - 1);
  return rewards.map((forced) => {
    let sum = 0;
    for (let code = 0; code < poolCount; code++) {
      let best = forced;
      for (let rest = code, draw = 1; draw < n; draw++, rest = Math.floor(rest / m)) {
        best = Math.max(best, rewards[rest % m]);
      }
      sum += best;
    }
    return (n * sum) / poolCount;
  });
}

/** Reference: mean over all M^N tuples of the tuple's max. */
function bruteForceValue(rewards: Float64Array, n: number): number {
  const m = rewards.length;
  let sum = 0;
  for (let code = 0; code < m ** n; code++) {
    let best = -Infinity;
    for (let rest = code, draw = 0; draw < n; draw++, rest = Math.floor(rest / m)) {
      best = Math.max(best, rewards[rest % m]);
    }
    sum += best;
  }
  return sum / m ** n;
}

Deno.test("BoN first variation equals brute-force enumeration of all M^(N-1) pools, ties included", () => {
  const rng = new Rng(11);
  let checked = 0;
  for (let m = 1; m <= 6; m++) {
    for (let n = 1; n <= 5; n++) {
      for (let trial = 0; trial < 4; trial++) {
        const rewards = trial % 2 === 0
          ? tiedRewards(m, rng)
          : Float64Array.from({ length: m }, () => rng.normal());
        const estimate = firstVariationBestOfN(rewards, n);
        const reference = bruteForceForced(rewards, n);
        for (let j = 0; j < m; j++) assert.ok(Math.abs(estimate[j] - reference[j]) <= 1e-12, `M=${m} N=${n}`);
        assert.ok(Math.abs(pluginValueBestOfN(rewards, n) - bruteForceValue(rewards, n)) <= 1e-12);
        checked++;
      }
    }
  }
  assert.equal(checked, 120);
});

Deno.test("BoN with N = 1 returns the rewards themselves (plain GRPO)", () => {
  const rewards = Float64Array.of(0.3, -1.2, 0.3, 7, 2.5);
  assert.deepEqual(firstVariationBestOfN(rewards, 1), rewards);
  assert.ok(Math.abs(pluginValueBestOfN(rewards, 1) - 8.9 / 5) < 1e-15);
});

Deno.test("BoN gives equal rewards equal values and is strictly increasing in r", () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 50; trial++) {
    const rewards = tiedRewards(8, rng);
    const estimate = firstVariationBestOfN(rewards, 1 + rng.nextInt(8));
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        if (rewards[i] === rewards[j]) assert.equal(estimate[i], estimate[j]);
        if (rewards[i] < rewards[j]) assert.ok(estimate[i] < estimate[j]);
      }
    }
  }
});

Deno.test("BoN is flat in the lower tail for large N: only the top samples are rewarded", () => {
  const rng = new Rng(8);
  for (let trial = 0; trial < 20; trial++) {
    const rewards = Float64Array.from({ length: 8 }, () => rng.nextFloat());
    const sorted = [...firstVariationBestOfN(rewards, 64)].sort((a, b) => a - b);
    const topGap = sorted[7] - sorted[6];
    const lowerSpread = sorted[5] - sorted[0];
    assert.ok(lowerSpread < 1e-3 * topGap, `lower spread ${lowerSpread} vs top gap ${topGap}`);
    // At N = 2 the same group is far from flat (contrast).
    const small = [...firstVariationBestOfN(rewards, 2)].sort((a, b) => a - b);
    assert.ok(small[5] - small[0] > 0.1 * (small[7] - small[6]));
  }
});

Deno.test("BoN plug-in converges to the exact first variation; error shrinks from M = 8 to M = 64", () => {
  const probabilities = Float64Array.of(0.3, 0.2, 0.1, 0.25, 0.15);
  const support = Float64Array.of(0.1, 0.4, 0.4, 0.7, 1.0); // a tie between support points, too
  const n = 4;
  const exact = exactForcedBestOfN(probabilities, support, n);
  const meanSquaredError = (m: number) => {
    let total = 0;
    const seeds = 400;
    for (let seed = 0; seed < seeds; seed++) {
      const indices = sampleIndices(probabilities, m, new Rng(seed, m));
      const estimate = firstVariationBestOfN(Float64Array.from(indices, (i) => support[i]), n);
      for (let j = 0; j < m; j++) total += (estimate[j] - exact[indices[j]]) ** 2 / m;
    }
    return total / seeds;
  };
  const error8 = meanSquaredError(8);
  const error64 = meanSquaredError(64);
  assert.ok(
    error64 < 0.2 * error8, // measured ≈ 0.10 (MSE ∝ 1/M)
    `MSE ${error64} at M = 64 vs ${error8} at M = 8`,
  );
  const large = sampleIndices(probabilities, 20_000, new Rng(99));
  const estimate = firstVariationBestOfN(Float64Array.from(large, (i) => support[i]), n);
  for (let j = 0; j < 100; j++) assert.ok(Math.abs(estimate[j] - exact[large[j]]) < 0.02);
});

Deno.test("BoN rejects empty groups, non-finite rewards and invalid N", () => {
  assert.throws(() => firstVariationBestOfN([], 2), RangeError);
  assert.throws(() => firstVariationBestOfN([0, NaN], 2), RangeError);
  assert.throws(() => firstVariationBestOfN([0, 1], 0), RangeError);
  assert.throws(() => pluginValueBestOfN([0, 1], 1.5), RangeError);
});
