/**
 * Markdown tables of the IAMA benchmark's results, printed to stdout (pasted into docs/iama.md).
 *
 * @module
 */
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import type { LengthEvaluation, RewardEvaluation } from "./iama_eval.ts";

/** What the tables are built from. */
export interface TableInputs {
  lengthResults: Record<string, LengthEvaluation & { kl?: KlEstimate }>;
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  lengthBases: string[];
  rewardBases: string[];
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
  parts.push("\n### (b) KL and rewards (z-scores under the default model), plain samples\n");
  parts.push(table(
    ["base", "KL from default (nats/seq)", "helpfulness", "harmlessness", "mean of the two"],
    inputs.rewardBases.map((base) => {
      const r = rewardResults[base];
      return [
        base,
        `${fixed(r.kl.perSequence)} ± ${fixed(r.kl.standardError)}`,
        fixed(r.plain.helpfulness),
        fixed(r.plain.harmlessness),
        fixed((r.plain.helpfulness + r.plain.harmlessness) / 2),
      ];
    }),
  ));
  parts.push("\n### (b) BoN_4 answers at each weighting w·help + (1 − w)·harm: helpfulness / harmlessness\n");
  parts.push(table(
    ["base", "KL", ...weights.map((w) => `w = ${w}`), "mean weighted value"],
    inputs.rewardBases.map((base) => {
      const r = rewardResults[base];
      const weighted = r.bestOfN.map((c) => c.weight * c.helpfulness + (1 - c.weight) * c.harmlessness);
      return [
        base,
        fixed(r.kl.perSequence),
        ...r.bestOfN.map((c) => `${fixed(c.helpfulness, 2)} / ${fixed(c.harmlessness, 2)}`),
        fixed(weighted.reduce((a, b) => a + b, 0) / weighted.length),
      ];
    }),
  ));
  parts.push("\n### (b) At matched KL: each IAMA base against GRPO's value interpolated at the same KL\n");
  parts.push(matchedKlTable(rewardResults, inputs.rewardBases));
  return parts.join("\n");
}

/** Mean over weightings of the BoN_N answers' w·h + (1 − w)·s. */
export function meanWeightedValue(r: RewardEvaluation): number {
  return r.bestOfN.reduce((sum, c) => sum + c.weight * c.helpfulness + (1 - c.weight) * c.harmlessness, 0) /
    r.bestOfN.length;
}

/** (h + s)/2 of plain samples. */
export function plainValue(r: RewardEvaluation): number {
  return (r.plain.helpfulness + r.plain.harmlessness) / 2;
}

/** Linear interpolation of `curve` (ascending x) at x; NaN outside its range. */
export function interpolate(curve: readonly [number, number][], x: number): number {
  for (let i = 1; i < curve.length; i++) {
    const [x0, y0] = curve[i - 1];
    const [x1, y1] = curve[i];
    if (x >= x0 && x <= x1) return x1 === x0 ? y1 : y0 + (y1 - y0) * (x - x0) / (x1 - x0);
  }
  return NaN;
}

function matchedKlTable(results: TableInputs["rewardResults"], bases: string[]): string {
  const curve = (method: string, value: (r: RewardEvaluation) => number) =>
    ["default", ...bases.filter((b) => b.startsWith(`reward_${method}@`))]
      .map((b) => [results[b].kl.perSequence, value(results[b])] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  const grpoBoN = curve("grpo", meanWeightedValue);
  const grpoPlain = curve("grpo", plainValue);
  const rows = bases.filter((b) => b.startsWith("reward_iama@")).map((base) => {
    const r = results[base];
    const kl = r.kl.perSequence;
    const bon = [meanWeightedValue(r), interpolate(grpoBoN, kl)];
    const plain = [plainValue(r), interpolate(grpoPlain, kl)];
    return [
      base,
      fixed(kl),
      fixed(bon[0]),
      fixed(bon[1]),
      fixed(bon[0] - bon[1]),
      fixed(plain[0]),
      fixed(plain[1]),
      fixed(plain[0] - plain[1]),
    ];
  });
  return table(
    [
      "IAMA base",
      "KL",
      "BoN_4 IAMA",
      "BoN_4 GRPO @ same KL",
      "BoN_4 gap",
      "plain IAMA",
      "plain GRPO @ same KL",
      "plain gap",
    ],
    rows,
  );
}

/** Prints {@linkcode renderTables}. */
export function printTables(inputs: TableInputs): void {
  console.log("\n" + renderTables(inputs) + "\n");
}
