/**
 * Experiment (b)'s comparison at matched KL without interpolation ("bracketing"), docs/iama.md.
 *
 * Each method trains one run at a fixed β and keeps its weights at several step counts: a ladder of
 * models ("rungs") at increasing KL from the default model, which is the bottom rung (KL 0) of both. A
 * rung of one method (the subject) is compared with the other method's rungs just below (KL ≤ k) and just
 * above (KL ≥ k) its measured KL k, prompt by prompt (paired standard errors). Each metric has a
 * direction: the verdict assumes only that a method's value does not decrease with KL ("increasing", e.g.
 * the BoN_4 value) or does not increase with KL ("decreasing", e.g. the BoN_4 gain over plain sampling,
 * which shrinks as training makes the base less diverse). Then the other method's value at the subject's
 * KL lies between its values at the two brackets, and the verdict is conservative. For an increasing
 * metric:
 *
 * - "ahead": the subject beats the other method's rung ABOVE its KL by more than 2 standard errors;
 * - "behind": the other method's rung BELOW its KL beats the subject by more than 2 standard errors;
 * - "level": both gaps are within 2 standard errors;
 * - "between": otherwise (not decided), also whenever the other ladder has no rung above;
 * - "inconsistent": "ahead" and "behind" at once (the rung below beats the one above: the assumption fails).
 *
 * For a decreasing metric the roles of the rungs swap: "ahead" when the subject beats the rung BELOW by
 * more than 2 standard errors, "behind" when the rung ABOVE beats the subject by more than 2 standard
 * errors ("level" and "between" as above; without a rung above, only "ahead" can be decided).
 *
 * Measured KLs are clamped at 0 for the ordering (a KL is never negative; a slightly negative estimate
 * means "no further than the default model").
 *
 * @module
 */
import type { RewardEvaluation } from "./iama_eval.ts";
import { pairedDifference } from "./iama_stats.ts";

/** One model of a ladder: its KL from the default model and, per metric, its value and per-prompt values. */
export interface Rung {
  base: string;
  kl: number;
  klStandardError: number;
  metrics: Record<string, { value: number; perPrompt: readonly number[] }>;
}

/** subject − other on one metric, with the paired (per-prompt) standard error. */
export interface Gap {
  other: string;
  otherValue: number;
  mean: number;
  standardError: number;
}

/** How a metric is assumed to move with KL along a method's ladder (never the other way). */
export type Direction = "increasing" | "decreasing";

/** The subject relative to the other method. */
export type Verdict = "ahead" | "behind" | "level" | "between" | "inconsistent";

/** One subject rung compared with its brackets in the other ladder. */
export interface RungComparison {
  base: string;
  kl: number;
  klStandardError: number;
  below?: { base: string; kl: number };
  above?: { base: string; kl: number };
  metrics: Record<
    string,
    { value: number; direction: Direction; below?: Gap; above?: Gap; verdict: Verdict }
  >;
}

/** Gaps larger than this many standard errors decide a verdict. */
export const DECISIVE_ERRORS = 2;

const klOf = (rung: Rung) => Math.max(0, rung.kl);

/**
 * The rungs of `ladder` just below (largest KL ≤ `kl`) and just above (smallest KL ≥ `kl`) a KL; a rung at
 * exactly `kl` is both. Among rungs of equal KL, below takes the last and above the first in ladder order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rung = (base: string, kl: number) => ({ base, kl, klStandardError: 0, metrics: {} });
 * const { below, above } = bracket([rung("a", 0), rung("b", 1), rung("c", 3)], 2);
 * assert.deepEqual([below?.base, above?.base], ["b", "c"]);
 * ```
 */
export function bracket(ladder: readonly Rung[], kl: number): { below?: Rung; above?: Rung } {
  const k = Math.max(0, kl);
  let below: Rung | undefined;
  let above: Rung | undefined;
  for (const rung of ladder) {
    if (klOf(rung) <= k && (below === undefined || klOf(rung) >= klOf(below))) below = rung;
    if (klOf(rung) >= k && (above === undefined || klOf(rung) < klOf(above))) above = rung;
  }
  return { below, above };
}

/** The rung of `ladder` whose KL is nearest `kl` (the first of equally near ones; KLs clamped at 0). */
export function nearestRung(ladder: readonly Rung[], kl: number): Rung | undefined {
  const k = Math.max(0, kl);
  let best: Rung | undefined;
  for (const rung of ladder) {
    if (best === undefined || Math.abs(klOf(rung) - k) < Math.abs(klOf(best) - k)) best = rung;
  }
  return best;
}

/**
 * The verdict from the gaps subject − below and subject − above, for a metric moving with KL in
 * `direction` (see the module comment).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const gap = (mean: number) => ({ other: "x", otherValue: 0, mean, standardError: 1 });
 * assert.equal(verdictOf(gap(3), gap(2.5)), "ahead");
 * assert.equal(verdictOf(gap(1), gap(-1)), "level");
 * assert.equal(verdictOf(gap(1), undefined), "between");
 * // Decreasing: beating the rung below (whose value is at least the other's at this KL) is decisive.
 * assert.equal(verdictOf(gap(3), gap(1), DECISIVE_ERRORS, "decreasing"), "ahead");
 * assert.equal(verdictOf(gap(3), undefined, DECISIVE_ERRORS, "decreasing"), "ahead");
 * ```
 */
export function verdictOf(
  below: Gap | undefined,
  above: Gap | undefined,
  errors = DECISIVE_ERRORS,
  direction: Direction = "increasing",
): Verdict {
  const beats = (gap: Gap | undefined) => gap !== undefined && gap.mean > errors * gap.standardError;
  const beaten = (gap: Gap | undefined) => gap !== undefined && gap.mean < -errors * gap.standardError;
  // The brackets whose values bound the other method's value at the subject's KL from above ("ahead" if
  // the subject beats it) and from below ("behind" if it beats the subject): above and below for an
  // increasing metric, swapped for a decreasing one.
  const [upper, lower] = direction === "increasing" ? [above, below] : [below, above];
  const ahead = beats(upper);
  const behind = beaten(lower);
  if (ahead && behind) return "inconsistent";
  if (ahead) return "ahead";
  if (behind) return "behind";
  const within = (gap: Gap | undefined) =>
    gap !== undefined && Math.abs(gap.mean) <= errors * gap.standardError;
  return within(below) && within(above) ? "level" : "between";
}

function gapTo(subject: Rung, other: Rung, metric: string): Gap {
  const paired = pairedDifference(subject.metrics[metric].perPrompt, other.metrics[metric].perPrompt);
  return {
    other: other.base,
    otherValue: other.metrics[metric].value,
    mean: paired.mean,
    standardError: paired.standardError,
  };
}

/**
 * Compares every rung of `subject` with its brackets in `other` ∪ {`bottom`}, on each metric. `bottom`
 * (the default model) counts as KL 0 whatever its measured KL. A metric missing from `directions` is
 * "increasing".
 */
export function compareLadders(
  subject: readonly Rung[],
  other: readonly Rung[],
  bottom: Rung,
  metrics: readonly string[],
  directions: Readonly<Record<string, Direction>> = {},
): RungComparison[] {
  const otherLadder = [{ ...bottom, kl: 0 }, ...other];
  return subject.map((rung) => {
    const { below, above } = bracket(otherLadder, rung.kl);
    const perMetric: RungComparison["metrics"] = {};
    for (const metric of metrics) {
      const gapBelow = below && gapTo(rung, below, metric);
      const gapAbove = above && gapTo(rung, above, metric);
      const direction = directions[metric] ?? "increasing";
      perMetric[metric] = {
        value: rung.metrics[metric].value,
        direction,
        below: gapBelow,
        above: gapAbove,
        verdict: verdictOf(gapBelow, gapAbove, DECISIVE_ERRORS, direction),
      };
    }
    return {
      base: rung.base,
      kl: rung.kl,
      klStandardError: rung.klStandardError,
      below: below && { base: below.base, kl: below.kl },
      above: above && { base: above.base, kl: above.kl },
      metrics: perMetric,
    };
  });
}

/** A subject rung against the other ladder's value at the same KL, interpolated per prompt. */
export interface InterpolatedComparison {
  base: string;
  kl: number;
  below: { base: string; kl: number };
  above: { base: string; kl: number };
  /** Where the subject's KL lies between the brackets (0 at `below`, 1 at `above`). */
  t: number;
  metrics: Record<string, { value: number; gap: Gap; verdict: "ahead" | "level" | "behind" }>;
}

/**
 * Matched KL by interpolation, the complement of the bracketing verdicts: the other ladder's per-prompt
 * values are interpolated linearly in KL between the rungs just below and just above the subject's KL, and
 * the subject is "ahead" or "behind" when the paired gap exceeds {@linkcode DECISIVE_ERRORS} standard errors
 * (else "level"). It assumes the other method's value is linear in KL between its rungs, so it is meant for
 * ladders whose rungs lie close to the subject's KL; the KLs' own errors are not in the standard error.
 * Undefined when no rung of the other ladder lies above the subject's KL.
 */
export function interpolatedComparison(
  subject: Rung,
  other: readonly Rung[],
  bottom: Rung,
  metrics: readonly string[],
): InterpolatedComparison | undefined {
  const { below, above } = bracket([{ ...bottom, kl: 0 }, ...other], subject.kl);
  if (below === undefined || above === undefined) return undefined;
  const span = klOf(above) - klOf(below);
  const t = span === 0 ? 0 : (Math.max(0, subject.kl) - klOf(below)) / span;
  const perMetric: InterpolatedComparison["metrics"] = {};
  for (const metric of metrics) {
    const [low, high] = [below.metrics[metric].perPrompt, above.metrics[metric].perPrompt];
    const interpolated = low.map((value, i) => (1 - t) * value + t * high[i]);
    const paired = pairedDifference(subject.metrics[metric].perPrompt, interpolated);
    const otherValue = interpolated.reduce((sum, value) => sum + value, 0) / interpolated.length;
    const gap = { other: `${below.base} … ${above.base}`, otherValue, ...paired };
    const verdict = gap.mean > DECISIVE_ERRORS * gap.standardError
      ? "ahead"
      : gap.mean < -DECISIVE_ERRORS * gap.standardError
      ? "behind"
      : "level";
    perMetric[metric] = { value: subject.metrics[metric].value, gap, verdict };
  }
  return {
    base: subject.base,
    kl: subject.kl,
    below: { base: below.base, kl: below.kl },
    above: { base: above.base, kl: above.kl },
    t,
    metrics: perMetric,
  };
}

/** Count of each verdict on `metric`. */
export function countVerdicts(
  comparisons: readonly RungComparison[],
  metric: string,
): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { ahead: 0, level: 0, between: 0, behind: 0, inconsistent: 0 };
  for (const c of comparisons) counts[c.metrics[metric].verdict]++;
  return counts;
}

/** Mean over weightings of the BoN_N answers' w·h + (1 − w)·s. */
export function meanWeightedValue(r: RewardEvaluation): number {
  return r.bestOfN.reduce((sum, c) => sum + c.weight * c.helpfulness + (1 - c.weight) * c.harmlessness, 0) /
    r.bestOfN.length;
}

/** The BoN_N value at helpfulness weight `weight`: the chosen answers' w·h + (1 − w)·s. */
export function valueAtWeight(r: RewardEvaluation, weight: number): number {
  const cell = r.bestOfN.find((c) => c.weight === weight);
  if (cell === undefined) throw new Error(`no BoN evaluation at weight ${weight}`);
  return weight * cell.helpfulness + (1 - weight) * cell.harmlessness;
}

/** The paper's two tasks' objective: the mean of the BoN_N values with each reward model alone. */
export function twoTaskValue(r: RewardEvaluation): number {
  return (valueAtWeight(r, 0) + valueAtWeight(r, 1)) / 2;
}

/** (h + s)/2 of plain samples. */
export function plainValue(r: RewardEvaluation): number {
  return (r.plain.helpfulness + r.plain.harmlessness) / 2;
}

/**
 * The metrics compared: BoN_4 mean weighted value, the plain samples' value, and the BoN_4 gain (the
 * first minus the second: what best-of-4 adds on top of plain sampling for that base).
 */
export const LADDER_METRICS = ["bestOfN", "plain", "bonGain"] as const;

/**
 * How each of the {@linkcode LADDER_METRICS} moves with KL along a ladder. Measured: training makes the
 * base less diverse, so the gain of best-of-4 over plain sampling shrinks.
 */
export const METRIC_DIRECTIONS: Readonly<Record<(typeof LADDER_METRICS)[number], Direction>> = {
  bestOfN: "increasing",
  plain: "increasing",
  bonGain: "decreasing",
};

/** The metric of the BoN_N value at one weighting, e.g. `bestOfN@0.5` (increasing with KL). */
export const atWeight = (weight: number) => `bestOfN@${weight}`;

/**
 * The fourth design's metrics (the paper's two tasks): their objective (`twoTasks`, the mean of the BoN_4
 * values at w = 0 and w = 1), the BoN_4 value at each weighting of `weights` (the front, one point each),
 * and the plain value; all increasing with KL.
 */
export function twoTaskMetrics(weights: readonly number[]): string[] {
  return ["twoTasks", ...weights.map(atWeight), "plain"];
}

/**
 * A rung from an evaluated base, with the {@linkcode LADDER_METRICS}, and with `twoTasks` and one
 * {@linkcode atWeight} metric per weighting (see {@linkcode twoTaskMetrics}).
 */
export function rungOf(
  base: string,
  result: RewardEvaluation & { kl: { perSequence: number; standardError: number } },
): Rung {
  const { plain, bestOfNWeighted, bestOfNByWeight } = result.perPrompt;
  const byWeight = Object.fromEntries(result.bestOfN.map((cell, k) => [
    atWeight(cell.weight),
    { value: valueAtWeight(result, cell.weight), perPrompt: bestOfNByWeight[k] },
  ]));
  const ends = [byWeight[atWeight(0)], byWeight[atWeight(1)]];
  return {
    base,
    kl: result.kl.perSequence,
    klStandardError: result.kl.standardError,
    metrics: {
      bestOfN: { value: meanWeightedValue(result), perPrompt: bestOfNWeighted },
      plain: { value: plainValue(result), perPrompt: plain },
      bonGain: {
        value: meanWeightedValue(result) - plainValue(result),
        perPrompt: bestOfNWeighted.map((value, i) => value - plain[i]),
      },
      ...byWeight,
      ...(ends.every((end) => end !== undefined) && {
        twoTasks: {
          value: twoTaskValue(result),
          perPrompt: ends[0].perPrompt.map((value, i) => (value + ends[1].perPrompt[i]) / 2),
        },
      }),
    },
  };
}
