import assert from "node:assert/strict";
import {
  bracket,
  compareLadders,
  countVerdicts,
  DECISIVE_ERRORS,
  type Gap,
  interpolatedComparison,
  meanWeightedValue,
  METRIC_DIRECTIONS,
  nearestRung,
  plainValue,
  type Rung,
  rungOf,
  verdictOf,
} from "./iama_ladder.ts";

const rung = (base: string, kl: number, perPrompt: number[] = [0, 0]): Rung => ({
  base,
  kl,
  klStandardError: 0.1,
  metrics: {
    m: { value: perPrompt.reduce((a, b) => a + b, 0) / perPrompt.length, perPrompt },
  },
});
const gap = (mean: number, standardError = 1): Gap => ({ other: "x", otherValue: 0, mean, standardError });
const close = (actual: number | undefined, expected: number) =>
  assert.ok(Math.abs((actual ?? NaN) - expected) < 1e-12, `${actual} vs ${expected}`);

Deno.test("bracket: strictly between, at a tie, beyond the top, below zero", () => {
  const ladder = [rung("d", 0), rung("a", 1), rung("b", 2), rung("c", 2), rung("e", 4)];
  const names = (k: number) => {
    const { below, above } = bracket(ladder, k);
    return [below?.base, above?.base];
  };
  assert.deepEqual(names(1.5), ["a", "b"]);
  // A rung at exactly k is both; among equal KLs below takes the last and above the first.
  assert.deepEqual(names(2), ["c", "b"]);
  assert.deepEqual(names(1), ["a", "a"]);
  assert.deepEqual(names(5), ["e", undefined]);
  // A negative estimate counts as KL 0: bracketed by the bottom rung on both sides.
  assert.deepEqual(names(-0.3), ["d", "d"]);
  // A rung measured slightly negative sits at 0 too, after "d" in ladder order.
  assert.deepEqual(bracket([rung("d", 0), rung("n", -0.01), rung("a", 1)], 0.5).below?.base, "n");
});

Deno.test("nearestRung: nearest KL, first of equally near ones", () => {
  const ladder = [rung("a", 1), rung("b", 2), rung("c", 4)];
  assert.equal(nearestRung(ladder, 2.9)?.base, "b");
  assert.equal(nearestRung(ladder, 3)?.base, "b");
  assert.equal(nearestRung(ladder, 3.1)?.base, "c");
  assert.equal(nearestRung([], 1), undefined);
  // A negative estimate is matched as KL 0.
  assert.equal(nearestRung([rung("z", 0.05), rung("y", 0.3)], -0.2)?.base, "z");
  assert.equal(nearestRung([rung("n", -0.1), rung("z", 0.05)], 0)?.base, "n");
});

Deno.test("verdictOf: 2 standard errors, strict, each side", () => {
  // Exactly 2 se is not decisive: level.
  assert.equal(verdictOf(gap(2), gap(2)), "level");
  assert.equal(verdictOf(gap(-2), gap(-2)), "level");
  // Beating the rung above decides "ahead"; losing to the one below decides "behind".
  assert.equal(verdictOf(gap(5), gap(2.01)), "ahead");
  assert.equal(verdictOf(gap(-2.01), gap(-5)), "behind");
  // Clear of the rung below but not of the one above: not decided.
  assert.equal(verdictOf(gap(3), gap(1)), "between");
  assert.equal(verdictOf(gap(1), gap(-3)), "between");
  // The standard error scales the threshold.
  assert.equal(verdictOf(gap(1, 0.4), gap(0.9, 0.4)), "ahead");
  assert.equal(verdictOf(gap(1, 0.6), gap(0.9, 0.6)), "level");
  // No rung above: never "ahead" nor "level".
  assert.equal(verdictOf(gap(10), undefined), "between");
  assert.equal(verdictOf(gap(0), undefined), "between");
  assert.equal(verdictOf(gap(-3), undefined), "behind");
  // Beats the rung above and loses to the one below: the monotone assumption fails.
  assert.equal(verdictOf(gap(-3), gap(3)), "inconsistent");
});

Deno.test("verdictOf, decreasing metric: the rung below bounds from above, the rung above from below", () => {
  const down = (below: Gap | undefined, above: Gap | undefined) =>
    verdictOf(below, above, DECISIVE_ERRORS, "decreasing");
  // Beating the rung below (value ≥ the other method's at this KL) decides "ahead", even with no rung above.
  assert.equal(down(gap(2.01), gap(-1)), "ahead");
  assert.equal(down(gap(5), gap(-5)), "inconsistent"); // the rung above beats the subject, which beats below
  assert.equal(down(gap(3), undefined), "ahead");
  // Losing to the rung above (value ≤ the other's at this KL) decides "behind".
  assert.equal(down(gap(1), gap(-2.01)), "behind");
  assert.equal(down(gap(-5), gap(-3)), "behind");
  // The cases that decide the increasing direction do not decide this one.
  assert.equal(down(gap(-3), gap(-1)), "between"); // increasing: "behind"
  assert.equal(down(gap(1), gap(3)), "between"); // increasing: "ahead"
  assert.equal(down(gap(-3), gap(3)), "between"); // increasing: "inconsistent"
  assert.equal(verdictOf(gap(-3), gap(3)), "inconsistent");
  // Exactly 2 se is not decisive; both within: level.
  assert.equal(down(gap(2), gap(-2)), "level");
  assert.equal(down(gap(0.5, 0.2), gap(-0.3, 0.2)), "ahead");
  // No rung above: never "level" nor "behind".
  assert.equal(down(gap(0), undefined), "between");
  assert.equal(down(gap(-10), undefined), "between");
});

Deno.test("compareLadders: a decreasing metric beside an increasing one, by hand", () => {
  // Three prompts. The other method's values fall with KL on "gain" (3 at KL 0, 2 at KL 1, 1 at KL 2).
  const two = (base: string, kl: number, m: number[], gain: number[]): Rung => ({
    base,
    kl,
    klStandardError: 0,
    metrics: {
      m: { value: m.reduce((a, b) => a + b, 0) / m.length, perPrompt: m },
      gain: { value: gain.reduce((a, b) => a + b, 0) / gain.length, perPrompt: gain },
    },
  });
  const bottom = two("default", 0, [0, 0, 0], [3, 3, 3]);
  const other = [two("g@1", 1, [1, 1, 1], [2, 2, 2]), two("g@2", 2, [2, 2, 2], [1, 1, 1])];
  const subject = [
    // KL 1.5: gain (3, 3.5, 4) vs g@1 (2): d = (1, 1.5, 2), mean 1.5, se 0.5/√3 ≈ 0.289 → beats the rung
    // below: "ahead"; on m (1.5, 1.5, 1.5) it is between g@1 (1) and g@2 (2) with se 0: "between".
    two("i@1", 1.5, [1.5, 1.5, 1.5], [3, 3.5, 4]),
    // KL 1.5: gain (0, 0.5, 1) vs g@2 (1): d = (−1, −0.5, 0), mean −0.5, se 0.289 → within; vs g@1 (2):
    // d = (−2, −1.5, −1), mean −1.5 → losing to the rung below decides nothing here: "between". On m
    // (3, 3, 3) it beats g@2 by 1 with se 0: "ahead".
    two("i@2", 1.5, [3, 3, 3], [0, 0.5, 1]),
    // KL 0.5: gain (0, 1, 2) vs g@1 (2): d = (−2, −1, 0), mean −1, se 1/√3 ≈ 0.577 → −1 > −1.155: within;
    // vs default (3): d = (−3, −2, −1), mean −2, se 0.577 → beaten by the rung below only: "between".
    two("i@3", 0.5, [0.5, 0.5, 0.5], [0, 1, 2]),
    // KL 0.5: gain (0.5, 0.6, 0.7) vs g@1 (2): mean −1.4, se 0.1/√3 ≈ 0.058: the rung above beats it →
    // "behind".
    two("i@4", 0.5, [0.5, 0.5, 0.5], [0.5, 0.6, 0.7]),
    // KL 3, beyond g@2: gain (1, 1.2, 1.4) vs g@2: mean 0.2, se 0.2/√3 ≈ 0.115 → within, no rung above:
    // "between"; (2, 2, 2) would be "ahead" (beats the rung below by 1, se 0).
    two("i@5", 3, [2, 2, 2], [1, 1.2, 1.4]),
    two("i@6", 3, [2, 2, 2], [2, 2, 2]),
  ];
  const compared = compareLadders(subject, other, bottom, ["m", "gain"], { gain: "decreasing" });
  const verdicts = (metric: string) => compared.map((c) => c.metrics[metric].verdict);
  assert.deepEqual(verdicts("gain"), ["ahead", "between", "between", "behind", "between", "ahead"]);
  assert.deepEqual(verdicts("m"), ["between", "ahead", "between", "between", "between", "between"]);
  assert.deepEqual(compared.map((c) => c.metrics.gain.direction), Array(6).fill("decreasing"));
  assert.equal(compared[0].metrics.m.direction, "increasing");
  close(compared[0].metrics.gain.below?.mean, 1.5);
  close(compared[0].metrics.gain.below?.standardError, 0.5 / Math.sqrt(3));
  close(compared[1].metrics.gain.below?.mean, -1.5);
  close(compared[1].metrics.gain.above?.mean, -0.5);
  close(compared[2].metrics.gain.below?.mean, -2);
  close(compared[2].metrics.gain.below?.standardError, 1 / Math.sqrt(3));
  close(compared[3].metrics.gain.above?.mean, -1.4);
  close(compared[3].metrics.gain.above?.standardError, 0.1 / Math.sqrt(3));
  assert.equal(compared[4].above, undefined);
  close(compared[4].metrics.gain.below?.mean, 0.2);
  assert.deepEqual(countVerdicts(compared, "gain"), {
    ahead: 2,
    level: 0,
    between: 3,
    behind: 1,
    inconsistent: 0,
  });
});

Deno.test("compareLadders: brackets, paired gaps and verdicts by hand", () => {
  // Four prompts. d = (1, 2, 3, 4) has mean 2.5 and standard error √(5/3)/2 ≈ 0.645.
  const bottom = rung("default", 0.03, [0, 0, 0, 0]); // measured 0.03, counted as 0
  const low = rung("g@1", 1, [2, 3, 4, 5]);
  const high = rung("g@2", 3, [2, 2, 4, 4]);
  const subject = [
    rung("i@1", 0.5, [1, 1, 1, 1]), // between default and g@1
    rung("i@2", 2, [3, 5, 7, 9]), // between g@1 and g@2
    rung("i@3", 4, [2, 3, 4, 5]), // beyond g@2
  ];
  const [first, second, third] = compareLadders(subject, [low, high], bottom, ["m"]);

  assert.deepEqual([first.below, first.above], [{ base: "default", kl: 0 }, { base: "g@1", kl: 1 }]);
  // vs default: d = (1,1,1,1): mean 1, se 0 → clear; vs g@1: d = (−1,−2,−3,−4): mean −2.5 → −2.5 < 2·0.645,
  // and below is beaten, above is not: the subject is below g@1 but above the default → "between".
  close(first.metrics.m.below?.mean, 1);
  close(first.metrics.m.below?.standardError, 0);
  close(first.metrics.m.above?.mean, -2.5);
  close(first.metrics.m.above?.standardError, Math.sqrt(5 / 3) / 2);
  assert.equal(first.metrics.m.verdict, "between");

  // vs g@1: d = (1, 2, 3, 4): 2.5 ± 0.645; vs g@2: d = (1, 3, 3, 5): mean 3, sample variance 8/3,
  // se √(8/3)/2 ≈ 0.816: 3 > 1.63 → "ahead".
  assert.deepEqual([second.below?.base, second.above?.base], ["g@1", "g@2"]);
  close(second.metrics.m.below?.mean, 2.5);
  close(second.metrics.m.above?.mean, 3);
  close(second.metrics.m.above?.standardError, Math.sqrt(8 / 3) / 2);
  assert.equal(second.metrics.m.above?.otherValue, 3);
  assert.equal(second.metrics.m.verdict, "ahead");

  // Beyond the top rung: no "above"; vs g@2: d = (0, 1, 0, 1): mean 0.5, se √(1/3)/2 ≈ 0.289 → within.
  assert.equal(third.above, undefined);
  assert.equal(third.metrics.m.above, undefined);
  close(third.metrics.m.below?.mean, 0.5);
  assert.equal(third.metrics.m.verdict, "between");

  assert.deepEqual(countVerdicts([first, second, third], "m"), {
    ahead: 1,
    level: 0,
    between: 2,
    behind: 0,
    inconsistent: 0,
  });
});

Deno.test("compareLadders: the symmetric direction finds 'behind'", () => {
  const bottom = rung("default", 0, [0, 0, 0]);
  const iama = [rung("i@1", 1, [4, 5, 6])];
  const grpo = [rung("g@1", 1.5, [1, 1.5, 2])];
  // g@1 at KL 1.5 is bracketed by i@1 below only; d = (−3, −3.5, −4): mean −3.5, se √(0.25)/√3 ≈ 0.289.
  const [g] = compareLadders(grpo, iama, bottom, ["m"]);
  assert.deepEqual([g.below?.base, g.above], ["i@1", undefined]);
  close(g.metrics.m.below?.mean, -3.5);
  close(g.metrics.m.below?.standardError, 0.5 / Math.sqrt(3));
  assert.equal(g.metrics.m.verdict, "behind");
});

Deno.test("rungOf: the metrics of an evaluated base", () => {
  const evaluation = {
    plain: { helpfulness: 0.2, harmlessness: -0.4 },
    bestOfN: [
      { weight: 0, helpfulness: 1, harmlessness: 2 }, // value 2
      { weight: 0.5, helpfulness: 1, harmlessness: 3 }, // value 2
      { weight: 1, helpfulness: 5, harmlessness: -1 }, // value 5
    ],
    perPrompt: { plain: [0.1, -0.3], bestOfNWeighted: [3, 3], bestOfNByWeight: [[2, 2], [2, 3], [5, 4]] },
    kl: { perSequence: 0.7, standardError: 0.05 },
  };
  close(meanWeightedValue(evaluation), 3);
  close(plainValue(evaluation), -0.1);
  const r = rungOf("x@1", evaluation);
  assert.deepEqual(r.metrics.plain.perPrompt, [0.1, -0.3]);
  close(r.metrics.bestOfN.value, 3);
  // BoN_4 gain: 3 − (−0.1) = 3.1; per prompt 3 − 0.1 and 3 − (−0.3).
  close(r.metrics.bonGain.value, 3.1);
  close(r.metrics.bonGain.perPrompt[0], 2.9);
  close(r.metrics.bonGain.perPrompt[1], 3.3);
  assert.deepEqual(METRIC_DIRECTIONS, { bestOfN: "increasing", plain: "increasing", bonGain: "decreasing" });
  // Each weighting's BoN value, and the two tasks' (w = 0 and w = 1) mean: (2 + 5)/2.
  close(r.metrics["bestOfN@0.5"].value, 2);
  assert.deepEqual(r.metrics["bestOfN@0.5"].perPrompt, [2, 3]);
  close(r.metrics.twoTasks.value, 3.5);
  assert.deepEqual(r.metrics.twoTasks.perPrompt, [3.5, 3]);
  assert.equal(r.kl, 0.7);
  assert.equal(r.klStandardError, 0.05);
});

Deno.test("interpolatedComparison: per-prompt interpolation between the brackets, by hand", () => {
  const bottom = rung("default", 0.3, [0, 0, 0]); // counted at KL 0 whatever its estimate
  const other = [rung("g1", 1, [1, 2, 3]), rung("g2", 3, [3, 2, 7])];
  // At KL 1.5 (t = 0.25 between g1 and g2), g's values are 1.5, 2 and 4; the subject's minus them: 1, 1, 1.3.
  const c = interpolatedComparison(rung("s", 1.5, [2.5, 3, 5.3]), other, bottom, ["m"])!;
  assert.deepEqual([c.below.base, c.above.base], ["g1", "g2"]);
  close(c.t, 0.25);
  const gap = c.metrics.m.gap;
  close(gap.mean, 3.3 / 3);
  close(gap.otherValue, 7.5 / 3);
  // d = (1, 1, 1.3): sample variance ((−0.1)² + (−0.1)² + 0.2²)/2 = 0.03, se √(0.03/3) = 0.1.
  close(gap.standardError, 0.1);
  assert.equal(c.metrics.m.verdict, "ahead");
  // Below the first rung: interpolated from the default model at KL 0; beyond the last: undefined.
  const low = interpolatedComparison(rung("s", 0.5, [0.4, 1.1, 1.3]), other, bottom, ["m"])!;
  assert.equal(low.below.base, "default");
  close(low.t, 0.5);
  close(low.metrics.m.gap.mean, (0.4 - 0.5 + 1.1 - 1 + 1.3 - 1.5) / 3);
  assert.equal(low.metrics.m.verdict, "level");
  assert.equal(interpolatedComparison(rung("s", 4, [9, 9, 9]), other, bottom, ["m"]), undefined);
});
