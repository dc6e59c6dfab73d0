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
  LADDER_METRICS,
  meanWeightedValue,
  plainValue,
  type RungComparison,
  type Verdict,
} from "./iama_ladder.ts";

/** What the tables are built from. */
export interface TableInputs {
  lengthResults: Record<string, LengthEvaluation & { kl?: KlEstimate }>;
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  lengthBases: string[];
  /** "default" and every rung of both ladders (the table sorts them by KL). */
  rewardBases: string[];
  /** Each IAMA rung bracketed by GRPO rungs, and each GRPO rung bracketed by IAMA rungs. */
  ladder: { iama: RungComparison[]; grpo: RungComparison[] };
  budgets: number[];
  weights: number[];
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
      "w·help + (1 − w)·harm (helpfulness / harmlessness, z-scores under the default model)\n",
  );
  const byKl = [...inputs.rewardBases].sort((a, b) =>
    rewardResults[a].kl.perSequence - rewardResults[b].kl.perSequence
  );
  parts.push(table(
    [
      "base",
      "KL from default (nats/response)",
      "plain help",
      "plain harm",
      "plain mean",
      ...weights.map((w) => `BoN_4 w = ${w}`),
      "BoN_4 mean weighted value",
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
      ];
    }),
  ));
  const methods = [
    { subject: "IAMA", other: "GRPO", comparisons: inputs.ladder.iama },
    { subject: "GRPO", other: "IAMA", comparisons: inputs.ladder.grpo },
  ];
  for (const { subject, other, comparisons } of methods) {
    parts.push(
      `\n### (b) Each ${subject} rung against the ${other} rungs just below and just above its KL: ` +
        `${subject} − ${other}, ± paired standard error (verdicts at ${DECISIVE_ERRORS} se)\n`,
    );
    parts.push(bracketTable(subject, other, comparisons));
  }
  parts.push(
    `\nVerdicts, assuming a method's value does not decrease with KL: "X ahead" = X beats the other ` +
      `method's rung above its KL by > ${DECISIVE_ERRORS} se (or the rung below beats it, for the other ` +
      `method); "level" = both gaps within ${DECISIVE_ERRORS} se; "between" = not decided (without a ` +
      `rung above, only the other method being ahead can be decided); "inconsistent" = both, i.e. the rung below beats the one above. ` +
      `Brackets use measured KL with negative estimates counted as 0; "default" is KL 0 in both ladders.\n`,
  );
  for (const { subject, other, comparisons } of methods) {
    const counts = LADDER_METRICS.map((metric) => {
      const count = countVerdicts(comparisons, metric);
      const order: Verdict[] = ["ahead", "level", "between", "behind", "inconsistent"];
      return `${METRIC_LABELS[metric]}: ` +
        order.map((v) => `${verdictText(v, subject, other)} ${count[v]}`).join(", ");
    });
    parts.push(`- ${comparisons.length} ${subject} rungs against ${other} brackets — ${counts.join("; ")}`);
  }
  return parts.join("\n");
}

const METRIC_LABELS: Record<string, string> = { bestOfN: "BoN_4 mean weighted", plain: "plain" };

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

function bracketTable(subject: string, other: string, comparisons: readonly RungComparison[]): string {
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
      ...LADDER_METRICS.flatMap((metric) => [
        `${METRIC_LABELS[metric]} ${subject}`,
        "− below",
        "− above",
        "verdict",
      ]),
    ],
    comparisons.map((c) => [
      c.base,
      `${fixed(c.kl)} ± ${fixed(c.klStandardError)}`,
      rungText(c.below),
      rungText(c.above),
      ...LADDER_METRICS.flatMap((metric) => {
        const m = c.metrics[metric];
        return [fixed(m.value), gapText(m.below), gapText(m.above), verdictText(m.verdict, subject, other)];
      }),
    ]),
  );
}

/** Prints {@linkcode renderTables}. */
export function printTables(inputs: TableInputs): void {
  console.log("\n" + renderTables(inputs) + "\n");
}
