/**
 * Markdown tables of the IAMA benchmark's results, printed to stdout (pasted into docs/iama.md).
 *
 * @module
 */
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import type { LengthEvaluation, RewardEvaluation } from "./iama_eval.ts";
import {
  countVerdicts,
  DECISIVE_ERRORS,
  type Gap,
  type InterpolatedComparison,
  LADDER_METRICS,
  meanWeightedValue,
  plainValue,
  type RungComparison,
  twoTaskValue,
  type Verdict,
} from "./iama_ladder.ts";

/** What the tables are built from. */
export interface TableInputs {
  lengthResults: Record<string, LengthEvaluation & { kl?: KlEstimate }>;
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  lengthBases: string[];
  /** "default" and every rung of every ladder (the table sorts them by KL). */
  rewardBases: string[];
  /** Bracketing comparisons: each `subject` rung against the `other` method's rungs (display names). */
  comparisons: LadderComparison[];
  budgets: number[];
  weights: number[];
}

/** Each rung of the subject method's ladder bracketed by the other method's rungs. */
export interface LadderComparison {
  subject: string;
  other: string;
  rungs: RungComparison[];
}

const fixed = (value: number | undefined, digits = 3) =>
  value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

/** The experiment (a) and (b) tables as markdown. */
export function renderTables(inputs: TableInputs): string {
  const { lengthResults, rewardResults, budgets, weights } = inputs;
  const parts: string[] = [];
  parts.push("### (a) Length distribution on held-out prompts\n");
  parts.push(table(
    [
      "base",
      "KL from default",
      "mean words",
      "near 5 (0–10)",
      "near 30 (25–35)",
      "elsewhere",
      "bimodality b",
    ],
    inputs.lengthBases.map((base) => {
      const r = lengthResults[base];
      return [
        base,
        r.kl ? `${fixed(r.kl.perSequence)} ± ${fixed(r.kl.standardError)}` : "–",
        fixed(r.meanLength, 1),
        fixed(r.nearShort, 2),
        fixed(r.nearLong, 2),
        fixed(r.elsewhere, 2),
        fixed(r.bimodality),
      ];
    }),
  ));
  parts.push("\n### (a) Best-of-N value under each length criterion (0 = on target)\n");
  parts.push(table(
    ["base", ...budgets.map((n) => `r_short BoN_${n}`), ...budgets.map((n) => `r_long BoN_${n}`)],
    inputs.lengthBases.map((base) => {
      const r = lengthResults[base];
      return [
        base,
        ...budgets.map((n) =>
          `${fixed(r.bestOfN.length_short[n], 4)} (${fixed(r.bestOfNLength.length_short[n], 1)} w)`
        ),
        ...budgets.map((n) =>
          `${fixed(r.bestOfN.length_long[n], 4)} (${fixed(r.bestOfNLength.length_long[n], 1)} w)`
        ),
      ];
    }),
  ));
  parts.push(
    "\n### (b) Every rung in KL order: KL, plain samples, BoN_4 answers at each weighting " +
      "w·help + (1 − w)·harm (helpfulness / harmlessness, z-scores under the default model), their mean, and " +
      "the BoN_4 gain = BoN_4 mean weighted value − plain mean\n",
  );
  parts.push(renderRewardTable(rewardResults, inputs.rewardBases, weights));
  parts.push(renderComparisons(inputs.comparisons));
  return parts.join("\n");
}

/** Experiment (b)'s bases in KL order: KL, plain samples, BoN_4 answers at each weighting, value, gain. */
export function renderRewardTable(
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>,
  bases: readonly string[],
  weights: readonly number[],
): string {
  const byKl = [...bases].sort((a, b) => rewardResults[a].kl.perSequence - rewardResults[b].kl.perSequence);
  return table(
    [
      "base",
      "KL from default (nats/response)",
      "plain help",
      "plain harm",
      "plain mean",
      ...weights.map((w) => `BoN_4 w = ${w}`),
      "BoN_4 mean weighted value",
      "BoN_4 two-task value",
      "BoN_4 gain",
    ],
    byKl.map((base) => {
      const r = rewardResults[base];
      return [
        base,
        `${fixed(r.kl.perSequence)} ± ${fixed(r.kl.standardError)}`,
        fixed(r.plain.helpfulness),
        fixed(r.plain.harmlessness),
        fixed(plainValue(r)),
        ...r.bestOfN.map((c) => `${fixed(c.helpfulness, 2)} / ${fixed(c.harmlessness, 2)}`),
        fixed(meanWeightedValue(r)),
        fixed(twoTaskValue(r)),
        fixed(meanWeightedValue(r) - plainValue(r)),
      ];
    }),
  );
}

/** Bracketing tables (one per comparison and metric) and the verdict counts. */
export function renderComparisons(
  comparisons: readonly LadderComparison[],
  metrics: readonly string[] = LADDER_METRICS,
): string {
  const parts: string[] = [];
  // One table per comparison and metric (all three metrics side by side would be 16 columns wide).
  for (const { subject, other, rungs } of comparisons) {
    for (const metric of metrics) {
      parts.push(
        `\n### (b) ${metricLabel(metric)}, ${
          rungs[0]?.metrics[metric].direction
        } with KL: each ${subject} rung ` +
          `against the ${other} rungs just below and just above its KL: ${subject} − ${other}, ± paired ` +
          `standard error (verdicts at ${DECISIVE_ERRORS} se)\n`,
      );
      parts.push(bracketTable(subject, other, rungs, metric));
    }
  }
  parts.push(
    `\nVerdicts, assuming a method's value does not decrease with KL ("increasing" metrics): "X ahead" = X ` +
      `beats the other method's rung above its KL by > ${DECISIVE_ERRORS} se (or the rung below beats it, ` +
      `for the other method); for "decreasing" metrics (the value does not increase with KL) the rungs swap ` +
      `roles: X beats the rung below, or the rung above beats X. "level" = both gaps within ` +
      `${DECISIVE_ERRORS} se; "between" = not decided (without a rung above, only one side can be decided); ` +
      `"inconsistent" = both, i.e. the brackets contradict the assumed direction. ` +
      `Brackets use measured KL with negative estimates counted as 0; "default" is KL 0 in every ladder.\n`,
  );
  const order: Verdict[] = ["ahead", "level", "between", "behind", "inconsistent"];
  for (const { subject, other, rungs } of comparisons) {
    for (const metric of metrics) {
      const count = countVerdicts(rungs, metric);
      parts.push(
        `- ${rungs.length} ${subject} rungs against ${other} brackets, ${metricLabel(metric)}: ` +
          order.map((v) => `${verdictText(v, subject, other)} ${count[v]}`).join(", "),
      );
    }
  }
  return parts.join("\n");
}

const METRIC_LABELS: Record<string, string> = {
  bestOfN: "BoN_4 mean weighted value",
  plain: "plain value",
  bonGain: "BoN_4 gain (BoN_4 − plain)",
  twoTasks: "BoN_4 two-task value (mean of w = 0 and w = 1)",
};

/** A metric's name in the tables; `bestOfN@w` is the BoN_4 value at one weighting. */
function metricLabel(metric: string): string {
  const weight = metric.match(/^bestOfN@(.+)$/)?.[1];
  return weight === undefined ? METRIC_LABELS[metric] ?? metric : `BoN_4 value at w = ${weight}`;
}

function verdictText(verdict: Verdict, subject: string, other: string): string {
  switch (verdict) {
    case "ahead":
      return `${subject} ahead`;
    case "behind":
      return `${other} ahead`;
    case "inconsistent":
      return "inconsistent";
    default:
      return verdict;
  }
}

function bracketTable(
  subject: string,
  other: string,
  comparisons: readonly RungComparison[],
  metric: string,
): string {
  const gapText = (gap: Gap | undefined) =>
    gap ? `${fixed(gap.mean)} ± ${fixed(gap.standardError)} (${other} ${fixed(gap.otherValue)})` : "–";
  const rungText = (rung: { base: string; kl: number } | undefined) =>
    rung ? `${rung.base} (${fixed(rung.kl)})` : `none: ${subject} beyond every ${other} rung`;
  return table(
    [
      `${subject} rung`,
      "KL ± se",
      `${other} below (KL)`,
      `${other} above (KL)`,
      subject,
      "− below",
      "− above",
      "verdict",
    ],
    comparisons.map((c) => [
      c.base,
      `${fixed(c.kl)} ± ${fixed(c.klStandardError)}`,
      rungText(c.below),
      rungText(c.above),
      fixed(c.metrics[metric].value),
      gapText(c.metrics[metric].below),
      gapText(c.metrics[metric].above),
      verdictText(c.metrics[metric].verdict, subject, other),
    ]),
  );
}

/**
 * The matched-KL comparison by interpolation ({@linkcode InterpolatedComparison}): one row per subject
 * point, one column per metric, `subject − other ± paired se (verdict)`.
 */
export function renderInterpolated(
  subject: string,
  other: string,
  comparisons: readonly InterpolatedComparison[],
  metrics: readonly string[],
): string {
  const verdict = (v: string) => v === "ahead" ? `${subject} ahead` : v === "behind" ? `${other} ahead` : v;
  return [
    `### (b) at matched KL by interpolation: each ${subject} point − ${other}'s front interpolated linearly ` +
    `in KL between its points just below and above, ± paired standard error (verdicts at ${DECISIVE_ERRORS} se)\n`,
    table(
      [`${subject} point`, "KL", `${other} below … above (t)`, ...metrics.map(metricLabel)],
      comparisons.map((c) => [
        c.base,
        fixed(c.kl),
        `${c.below.base} (${fixed(c.below.kl)}) … ${c.above.base} (${fixed(c.above.kl)}) (${fixed(c.t, 2)})`,
        ...metrics.map((m) => {
          const { gap, verdict: v } = c.metrics[m];
          return `${gap.mean >= 0 ? "+" : ""}${fixed(gap.mean)} ± ${fixed(gap.standardError)} (${
            verdict(v)
          })`;
        }),
      ]),
    ),
  ].join("\n");
}

/** Prints {@linkcode renderTables}. */
export function printTables(inputs: TableInputs): void {
  console.log("\n" + renderTables(inputs) + "\n");
}
