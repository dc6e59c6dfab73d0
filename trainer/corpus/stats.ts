/** Summary statistics of a set of dialogues (for logs and eyeballing). */

import { wordCount } from "./_text.ts";
import type { Dialogue } from "./types.ts";

/** Counts and mean response lengths of a set of dialogues. */
export interface CorpusStats {
  dialogues: number;
  topics: number;
  riskyShare: number;
  /** Share of each trait value, e.g. `brief`, `refuse` (among risky), `positive`. */
  traitShares: { brief: number; refuseAmongRisky: number; positive: number };
  /** Mean words per response by trait combination "detail/stance/tone", plus "all". */
  meanWords: Record<string, number>;
  /** Total words of prompts and responses. */
  totalWords: number;
}

/**
 * Summarises dialogues: shares of each trait and mean response length per trait mix.
 *
 * @example
 * ```ts
 * import { generateDialogues } from "./generator.ts";
 * import { summarizeDialogues } from "./stats.ts";
 * summarizeDialogues(generateDialogues({ seed: 1, count: 100 })).dialogues; // 100
 * ```
 */
export function summarizeDialogues(dialogues: readonly Dialogue[]): CorpusStats {
  const words = new Map<string, number[]>();
  let totalWords = 0;
  for (const d of dialogues) {
    const responseWords = wordCount(d.response);
    totalWords += responseWords + wordCount(d.prompt);
    const key = `${d.traits.detail}/${d.traits.stance}/${d.traits.tone}`;
    for (const k of [key, "all"]) {
      if (!words.has(k)) words.set(k, []);
      words.get(k)!.push(responseWords);
    }
  }
  const meanWords: Record<string, number> = {};
  for (const [key, values] of [...words.entries()].sort()) {
    meanWords[key] = values.reduce((a, b) => a + b, 0) / values.length;
  }
  const risky = dialogues.filter((d) => d.risky);
  const shareOf = (items: readonly Dialogue[], test: (d: Dialogue) => boolean) =>
    items.length === 0 ? 0 : items.filter(test).length / items.length;
  return {
    dialogues: dialogues.length,
    topics: new Set(dialogues.map((d) => d.topic)).size,
    riskyShare: shareOf(dialogues, (d) => d.risky),
    traitShares: {
      brief: shareOf(dialogues, (d) => d.traits.detail === "brief"),
      refuseAmongRisky: shareOf(risky, (d) => d.traits.stance === "refuse"),
      positive: shareOf(dialogues, (d) => d.traits.tone === "positive"),
    },
    meanWords,
    totalWords,
  };
}
