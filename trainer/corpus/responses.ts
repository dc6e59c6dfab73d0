/**
 * Composes one response for a topic and a trait combination.
 *
 * Comply, detailed: [opener] brief. 2-3 steps. tone sentence(s). [closer] (3-6 sentences)
 * Comply, brief: one sentence, the core answer plus a perk (positive) or pitfall (candid).
 * Refuse: decline + reason + safer alternative, in one sentence (brief) or 4-6 (detailed).
 */

import type { Prng } from "./_prng.ts";
import { lowerFirst, upperFirst, wordCount } from "./_text.ts";
import {
  BRIEF_CANDID,
  BRIEF_CANDID_SHORT,
  BRIEF_GENERIC,
  BRIEF_POSITIVE,
  BRIEF_POSITIVE_SHORT,
  BRIEF_REFUSE_CANDID,
  BRIEF_REFUSE_CANDID_COMPACT,
  BRIEF_REFUSE_POSITIVE,
  BRIEF_REFUSE_POSITIVE_COMPACT,
  CLOSERS,
  OPENERS,
  PERK_FRAMES,
  PITFALL_FRAMES,
  REFUSE_ALTERNATIVE,
  REFUSE_CLOSERS,
  REFUSE_DECLINE,
  REFUSE_REASON,
} from "./templates.ts";
import { type Refusal, type Topic, topicKind } from "./topic_types.ts";
import type { Traits } from "./types.ts";

const MAX_SENTENCES = 6;
/** Word budgets of one-sentence answers: longer renderings are skipped when shorter ones exist. */
const BRIEF_MAX_WORDS = 22;
const BRIEF_REFUSAL_MAX_WORDS = 26;
const SEQUENCE_WORDS = ["Then ", "Next, ", "After that, "];
/** Steps that already carry their own order words would read "First, ... first". */
const SEQUENCE_CLASH = /\b(first|then|next|finally|afterward)\b/i;

/**
 * Writes the response to a topic with the given traits, drawing choices from `rng`.
 * The step subset is drawn first, so variants built from equal generator states
 * share their facts and differ only by their traits.
 *
 * @example
 * ```ts
 * import { Prng } from "./_prng.ts";
 * import { composeResponse } from "./responses.ts";
 * import { COOKING_TOPICS } from "./topics_cooking.ts";
 * const traits = { detail: "brief", stance: "comply", tone: "positive" } as const;
 * composeResponse(COOKING_TOPICS[0], traits, new Prng(7)).length > 0; // true
 * ```
 */
export function composeResponse(topic: Topic, traits: Traits, rng: Prng): string {
  const stepCount = Math.min(topic.steps.length, 2 + rng.int(2));
  const stepIndices = rng.sampleIndices(topic.steps.length, stepCount);
  if (traits.stance === "refuse") {
    if (!topic.refusal) throw new Error(`topic ${topic.id} cannot be refused`);
    return traits.detail === "brief"
      ? briefRefusal(topic.refusal, traits, rng)
      : detailedRefusal(topic.refusal, traits, rng);
  }
  if (traits.detail === "brief") return briefAnswer(topic, traits, rng);
  return detailedAnswer(topic, traits, stepIndices, rng);
}

function briefAnswer(topic: Topic, traits: Traits, rng: Prng): string {
  const positive = traits.tone === "positive";
  const templates = [
    ...(positive ? BRIEF_POSITIVE : BRIEF_CANDID),
    ...(positive ? BRIEF_POSITIVE_SHORT : BRIEF_CANDID_SHORT),
    ...BRIEF_GENERIC[traits.tone][topicKind(topic)],
  ];
  return pickWithinBudget(templates.map((t) => t(topic)), BRIEF_MAX_WORDS, rng);
}

/** Picks uniformly among renderings within the word budget, or the shortest if none fits. */
function pickWithinBudget(renderings: string[], maxWords: number, rng: Prng): string {
  const fitting = renderings.filter((text) => wordCount(text) <= maxWords);
  if (fitting.length > 0) return rng.pick(fitting);
  return renderings.reduce((a, b) => (wordCount(b) < wordCount(a) ? b : a));
}

function detailedAnswer(topic: Topic, traits: Traits, stepIndices: number[], rng: Prng): string {
  const kind = topicKind(topic);
  const positive = traits.tone === "positive";
  const steps = stepIndices.map((i) => topic.steps[i]);
  const sequenced = topic.ordered === true && stepIndices[0] === 0 && rng.chance(0.5) &&
    !steps.some((step) => SEQUENCE_CLASH.test(step));
  const body = sequenced ? withSequenceWords(steps, stepIndices, topic.steps.length) : steps;
  const framed = positive ? rng.pick(PERK_FRAMES)(topic.perk) : rng.pick(PITFALL_FRAMES)(topic.pitfall);
  const toneSentences = [framed];
  if (rng.chance(0.7)) toneSentences.push(positive ? topic.upside : topic.downside);
  const early = rng.chance(0.25);

  const sentences = [upperFirst(topic.brief) + "."];
  if (early) sentences.push(...toneSentences);
  sentences.push(...body);
  if (!early) sentences.push(...toneSentences);

  const openers = OPENERS[traits.tone][kind];
  const closers = CLOSERS[traits.tone][kind];
  if (sentences.length < MAX_SENTENCES && rng.chance(0.45)) sentences.unshift(rng.pick(openers));
  if (sentences.length < MAX_SENTENCES && rng.chance(0.45)) sentences.push(rng.pick(closers));
  return sentences.join(" ");
}

/** Prefixes ordered steps with "First, ... Then ... Finally, ..." (only a true last step is "Finally"). */
function withSequenceWords(steps: string[], indices: number[], total: number): string[] {
  return steps.map((step, i) => {
    if (i === 0) return "First, " + lowerFirst(step);
    if (indices[i] === total - 1) return "Finally, " + lowerFirst(step);
    return SEQUENCE_WORDS[i % SEQUENCE_WORDS.length] + lowerFirst(step);
  });
}

function briefRefusal(refusal: Refusal, traits: Traits, rng: Prng): string {
  const templates = traits.tone === "positive"
    ? [...BRIEF_REFUSE_POSITIVE, ...BRIEF_REFUSE_POSITIVE_COMPACT]
    : [...BRIEF_REFUSE_CANDID, ...BRIEF_REFUSE_CANDID_COMPACT];
  return pickWithinBudget(templates.map((t) => t(refusal)), BRIEF_REFUSAL_MAX_WORDS, rng);
}

function detailedRefusal(refusal: Refusal, traits: Traits, rng: Prng): string {
  const tone = traits.tone;
  const sentences = [
    rng.pick(REFUSE_DECLINE[tone])(refusal.what),
    rng.pick(REFUSE_REASON[tone])(refusal.risk),
    rng.pick(REFUSE_ALTERNATIVE[tone])(refusal.alt),
  ];
  const extraCount = Math.min(refusal.altSteps.length, 1 + rng.int(2));
  for (const i of rng.sampleIndices(refusal.altSteps.length, extraCount)) {
    sentences.push(refusal.altSteps[i]);
  }
  if (sentences.length < MAX_SENTENCES && rng.chance(0.6)) sentences.push(rng.pick(REFUSE_CLOSERS[tone]));
  return sentences.join(" ");
}
