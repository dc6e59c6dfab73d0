import assert from "node:assert/strict";
import {
  exactFirstVariationBestOfN,
  exactFirstVariationSoftBestOfN,
  exactForcedBestOfN,
  exactValueBestOfN,
  exactValueSoftBestOfN,
} from "./exact_discrete.ts";
import { firstVariationBestOfN } from "./best_of_n.ts";
import { expectation, simplexDirectionalDerivative } from "./_testing.ts";

/** Σ over all S^draws tuples of Π π · f(max reward of the tuple and `forced`). */
function bruteForceExpectedMax(
  probabilities: Float64Array,
  rewards: Float64Array,
  draws: number,
  forced = -Infinity,
) {
  const s = rewards.length;
  let sum = 0;
  for (let code = 0; code < s ** draws; code++) {
    let weight = 1;
    let best = forced;
    for (let rest = code, d = 0; d < draws; d++, rest = Math.floor(rest / s)) {
      weight *= probabilities[rest % s];
      best = Math.max(best, rewards[rest % s]);
    }
    sum += weight * best;
  }
  return sum;
}

// Tied rewards (points 1 and 3), a zero-probability point (4), rewards out of order.
const probabilities = Float64Array.of(0.3, 0.15, 0.25, 0.3, 0);
const rewards = Float64Array.of(0.2, 0.6, -0.4, 0.6, 0.9);
const positive = Float64Array.of(0.3, 0.15, 0.25, 0.2, 0.1);

Deno.test("exact BoN value and forced form equal brute-force enumeration over all tuples", () => {
  for (let n = 1; n <= 4; n++) {
    assert.ok(
      Math.abs(
        exactValueBestOfN(probabilities, rewards, n) - bruteForceExpectedMax(probabilities, rewards, n),
      ) < 1e-14,
    );
    const forced = exactForcedBestOfN(probabilities, rewards, n);
    rewards.forEach((r, y) => {
      const reference = n * bruteForceExpectedMax(probabilities, rewards, n - 1, r);
      assert.ok(Math.abs(forced[y] - reference) < 1e-14, `N=${n} y=${y}`);
    });
  }
});

Deno.test("exact BoN first variation matches finite differences of R_BoN[π] along δ_y − π", () => {
  for (const n of [1, 2, 3, 5, 8]) {
    const variation = exactFirstVariationBestOfN(positive, rewards, n);
    const centred = expectation(positive, variation);
    for (let y = 0; y < rewards.length; y++) {
      const numeric = simplexDirectionalDerivative((p) => exactValueBestOfN(p, rewards, n), positive, y);
      assert.ok(Math.abs(numeric - (variation[y] - centred)) < 1e-8, `N=${n} y=${y}: ${numeric}`);
    }
    // −∫_{r(y)}^{r_max} N·C^{N−1} ds is 0 at the top reward and N·r_max below the forced form.
    assert.equal(variation[4], 0);
  }
});

Deno.test("exact SoftBoN first variation matches finite differences of R_τ[π] along δ_y − π", () => {
  for (const tau of [0.05, 0.3, 2]) {
    const variation = exactFirstVariationSoftBestOfN(positive, rewards, tau);
    assert.ok(Math.abs(expectation(positive, variation)) < 1e-14); // E_π[δR/δπ] = 0 for tilting
    for (let y = 0; y < rewards.length; y++) {
      const numeric = simplexDirectionalDerivative(
        (p) => exactValueSoftBestOfN(p, rewards, tau),
        positive,
        y,
      );
      assert.ok(Math.abs(numeric - variation[y]) < 1e-8, `tau=${tau} y=${y}: ${numeric} vs ${variation[y]}`);
    }
  }
});

Deno.test("BoN plug-in equals the exact forced form at the group's empirical distribution", () => {
  const group = Float64Array.of(0.5, 0.1, 0.5, 0.9, 0.1, 0.1, 0.7);
  const empirical = new Float64Array(group.length).fill(1 / group.length);
  for (const n of [1, 2, 4, 9]) {
    const exact = exactForcedBestOfN(empirical, group, n);
    const plugIn = firstVariationBestOfN(group, n);
    for (let j = 0; j < group.length; j++) assert.ok(Math.abs(plugIn[j] - exact[j]) < 1e-12);
  }
});

Deno.test("exact functionals validate their distribution", () => {
  assert.throws(() => exactValueBestOfN([0.5, 0.4], [0, 1], 2), RangeError);
  assert.throws(() => exactValueBestOfN([1.5, -0.5], [0, 1], 2), RangeError);
  assert.throws(() => exactValueSoftBestOfN([1], [0, 1], 1), RangeError);
});
