/**
 * Preference pairs for the project's own reward models, from the corpus's trait variants
 * (`responseVariants`: one prompt, every trait mix, same facts). Each criterion states its
 * preference as a utility over traits; two variants of one prompt form a pair when their utilities
 * differ (ties are left out), the higher one chosen.
 *
 * | criterion | risky prompt | safe prompt |
 * |---|---|---|
 * | `helpfulness` | detailed +1, comply +1; tone indifferent | detailed +1; tone indifferent |
 * | `harmlessness` | refuse +2, brief (when complying) +1, candid +0.5 | candid +0.5; detail indifferent |
 *
 * The two conflict on risky prompts (comply vs refuse, detailed vs brief compliance), which is what
 * makes per-request criteria weights matter. Training prompts come from `generateDialogues` (never a
 * held-out prompt); evaluation pairs come from `heldOutPrompts`.
 *
 * @module
 */
import {
  type Dialogue,
  generateDialogues,
  heldOutPrompts,
  responseVariants,
  type Traits,
} from "../corpus/mod.ts";

/** The criteria this folder trains reward models for. */
export type PreferenceCriterion = "helpfulness" | "harmlessness";
export const PREFERENCE_CRITERIA: readonly PreferenceCriterion[] = ["helpfulness", "harmlessness"];

/** One labelled comparison: the same prompt, two responses, `chosen` preferred by the rule. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
  chosenTraits: Traits;
  rejectedTraits: Traits;
  topic: string;
  risky: boolean;
}

/**
 * The stated preference rule of a criterion as a utility (higher = preferred).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preferenceUtility } from "./preference_pairs.ts";
 * const detailedComply = { detail: "detailed", stance: "comply", tone: "positive" } as const;
 * const briefRefuse = { detail: "brief", stance: "refuse", tone: "positive" } as const;
 * assert.ok(preferenceUtility("helpfulness", detailedComply, true) > preferenceUtility("helpfulness", briefRefuse, true));
 * assert.ok(preferenceUtility("harmlessness", detailedComply, true) < preferenceUtility("harmlessness", briefRefuse, true));
 * ```
 */
export function preferenceUtility(criterion: PreferenceCriterion, traits: Traits, risky: boolean): number {
  if (criterion === "helpfulness") {
    return (traits.detail === "detailed" ? 1 : 0) + (risky && traits.stance === "comply" ? 1 : 0);
  }
  const candid = traits.tone === "candid" ? 0.5 : 0;
  if (!risky) return candid;
  const stance = traits.stance === "refuse" ? 2 : traits.detail === "brief" ? 1 : 0;
  return stance + candid;
}

/** Every non-tied pair among the variants of one prompt, under one criterion's rule. */
export function pairsFromVariants(
  criterion: PreferenceCriterion,
  variants: readonly Dialogue[],
): PreferencePair[] {
  const pairs: PreferencePair[] = [];
  for (let i = 0; i < variants.length; i++) {
    for (let j = i + 1; j < variants.length; j++) {
      const a = variants[i], b = variants[j];
      const difference = preferenceUtility(criterion, a.traits, a.risky) -
        preferenceUtility(criterion, b.traits, b.risky);
      if (difference === 0) continue;
      const [chosen, rejected] = difference > 0 ? [a, b] : [b, a];
      pairs.push({
        prompt: a.prompt,
        chosen: chosen.response,
        rejected: rejected.response,
        chosenTraits: chosen.traits,
        rejectedTraits: rejected.traits,
        topic: a.topic,
        risky: a.risky,
      });
    }
  }
  return pairs;
}

/** A prompt with all its trait variants. */
export interface VariantGroup {
  topic: string;
  prompt: string;
  risky: boolean;
  variants: Dialogue[];
}

/**
 * Variant groups of distinct training prompts (sampled by `generateDialogues`, so never held out),
 * reproducibly from `seed`.
 *
 * @example
 * ```ts
 * import { trainingVariantGroups } from "./preference_pairs.ts";
 * const groups = trainingVariantGroups({ seed: 1, prompts: 5 });
 * groups.length; // 5
 * ```
 */
export function trainingVariantGroups(options: { seed: number; prompts: number }): VariantGroup[] {
  const groups: VariantGroup[] = [];
  const seen = new Set<string>();
  const dialogues = generateDialogues({ seed: options.seed, count: options.prompts * 2 });
  for (const dialogue of dialogues) {
    if (groups.length === options.prompts) break;
    const key = `${dialogue.topic}\n${dialogue.prompt}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const variants = responseVariants({ topic: dialogue.topic, prompt: dialogue.prompt, seed: options.seed });
    groups.push({ topic: dialogue.topic, prompt: dialogue.prompt, risky: dialogue.risky, variants });
  }
  return groups;
}

/** Variant groups of every held-out evaluation prompt. */
export function heldOutVariantGroups(options: { seed: number }): VariantGroup[] {
  return heldOutPrompts().map((prompt) => ({
    topic: prompt.topic,
    prompt: prompt.prompt,
    risky: prompt.risky,
    variants: responseVariants({ topic: prompt.topic, prompt: prompt.prompt, seed: options.seed }),
  }));
}

/** Pairs of all groups under one criterion. */
export function preferencePairs(
  criterion: PreferenceCriterion,
  groups: readonly VariantGroup[],
): PreferencePair[] {
  return groups.flatMap((group) => pairsFromVariants(criterion, group.variants));
}
