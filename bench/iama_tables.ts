/**
 * Markdown tables of the IAMA benchmark's results, printed to stdout (pasted into docs/iama.md).
 *
 * @module
 */
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import type { LengthEvaluation, RewardEvaluation } from "./iama_eval.ts";
import { pairedDifference } from "./iama_stats.ts";

/** An IAMA base and a GRPO base trained to the same KL target (experiment b). */
export interface RewardPair {
  target: number;
  iama: string;
  grpo: string;
}

/** How a run ended: β of its last step and the rollout KL per token averaged over its last steps. */
export interface RunEnding {
  lastBeta: number;
  rolloutKlPerToken: number;
}

/** One pair compared: both KLs and the IAMA − GRPO gaps with paired standard errors. */
export interface PairComparison {
  target: number;
  iama: string;
  grpo: string;
  kl: { iama: KlEstimate; grpo: KlEstimate };
  ending: { iama?: RunEnding; grpo?: RunEnding };
  bestOfN: { iama: number; grpo: number; gap: number; gapStandardError: number };
  plain: { iama: number; grpo: number; gap: number; gapStandardError: number };
}

/** What the tables are built from. */
export interface TableInputs {
  lengthResults: Record<string, LengthEvaluation & { kl?: KlEstimate }>;
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  lengthBases: string[];
  rewardBases: string[];
  comparisons: PairComparison[];
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
  parts.push("\n### (b) Pairs trained to the same KL target: IAMA − GRPO, ± paired standard error\n");
  parts.push(pairTable(inputs.comparisons));
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

/** Compares the IAMA and GRPO bases of one pair, prompt by prompt. */
export function comparePair(
  results: TableInputs["rewardResults"],
  pair: RewardPair,
  endings: Record<string, RunEnding>,
): PairComparison {
  const [a, b] = [results[pair.iama], results[pair.grpo]];
  const gap = (value: (r: RewardEvaluation) => number, perPrompt: (r: RewardEvaluation) => number[]) => {
    const paired = pairedDifference(perPrompt(a), perPrompt(b));
    return { iama: value(a), grpo: value(b), gap: paired.mean, gapStandardError: paired.standardError };
  };
  return {
    ...pair,
    kl: { iama: a.kl, grpo: b.kl },
    ending: { iama: endings[pair.iama], grpo: endings[pair.grpo] },
    bestOfN: gap(meanWeightedValue, (r) => r.perPrompt.bestOfNWeighted),
    plain: gap(plainValue, (r) => r.perPrompt.plain),
  };
}

function pairTable(comparisons: readonly PairComparison[]): string {
  const withError = (mean: number, error: number) => `${fixed(mean)} ± ${fixed(error)}`;
  return table(
    [
      "KL target (per token)",
      "KL IAMA / GRPO (nats/response)",
      "rollout KL/token, last 16 steps",
      "last β",
      "BoN_4 IAMA",
      "BoN_4 GRPO",
      "BoN_4 gap",
      "plain IAMA",
      "plain GRPO",
      "plain gap",
    ],
    comparisons.map((c) => [
      String(c.target),
      `${withError(c.kl.iama.perSequence, c.kl.iama.standardError)} / ${
        withError(c.kl.grpo.perSequence, c.kl.grpo.standardError)
      }`,
      `${fixed(c.ending.iama?.rolloutKlPerToken, 4)} / ${fixed(c.ending.grpo?.rolloutKlPerToken, 4)}`,
      `${fixed(c.ending.iama?.lastBeta, 3)} / ${fixed(c.ending.grpo?.lastBeta, 3)}`,
      fixed(c.bestOfN.iama),
      fixed(c.bestOfN.grpo),
      withError(c.bestOfN.gap, c.bestOfN.gapStandardError),
      fixed(c.plain.iama),
      fixed(c.plain.grpo),
      withError(c.plain.gap, c.plain.gapStandardError),
    ]),
  );
}

/** Prints {@linkcode renderTables}. */
export function printTables(inputs: TableInputs): void {
  console.log("\n" + renderTables(inputs) + "\n");
}
