/**
 * Prompt phrasings: how users ask about a topic.
 *
 * `topicPhrasings` lists every bare phrasing of a topic in a stable order
 * (template phrasings first, then the topic's own `questions`); the held-out
 * split picks by index from this list. `decoratePrompt` adds an optional
 * greeting or thanks, which never turns one phrasing into another.
 */

import type { Prng } from "./_prng.ts";
import { clean, lowerFirst } from "./_text.ts";
import { type AboutTopic, type HowToTopic, isHowTo, type Topic } from "./topic_types.ts";

type HowToPhrasing = (topic: HowToTopic) => string;
type AboutPhrasing = (topic: AboutTopic) => string;

const HOW_TO_PHRASINGS: readonly HowToPhrasing[] = [
  (t) => `How do I ${t.action}?`,
  (t) => `What is the best way to ${t.action}?`,
  (t) => `Any tips for ${t.gerund}?`,
  (t) => `Can you explain how to ${t.action}?`,
  (t) => `Tell me about ${t.gerund}.`,
  (t) => `Explain how to ${t.action}.`,
  (t) => `How can I ${t.action}?`,
  (t) => `What should I know about ${t.gerund}?`,
  (t) => `Give me some advice on ${t.gerund}.`,
  (t) => `Is there a good way to ${t.action}?`,
  (t) => `I need help with ${t.gerund}.`,
  (t) => `What's the right way to ${t.action}?`,
  (t) => `Walk me through how to ${t.action}.`,
  (t) => `Could you tell me how to ${t.action}?`,
  (t) => `I'd like to ${t.action}. How should I go about it?`,
  (t) => `Do you have any advice for ${t.gerund}?`,
];

const ABOUT_PHRASINGS: readonly AboutPhrasing[] = [
  (t) => `Can you explain ${t.subject}?`,
  (t) => `Tell me about ${t.subject}.`,
  (t) => `Explain ${t.subject}.`,
  (t) => `What should I know about ${t.subject}?`,
  (t) => `Give me an overview of ${t.subject}.`,
  (t) => `Help me understand ${t.subject}.`,
  (t) => `What are the key facts about ${t.subject}?`,
  (t) => `Describe ${t.subject} for me.`,
  (t) => `Teach me about ${t.subject}.`,
  (t) => `I'm curious about ${t.subject}. What can you tell me?`,
  (t) => `Could you walk me through ${t.subject}?`,
  (t) => `What is there to know about ${t.subject}?`,
];

const PREFIXES: readonly string[] = [
  "",
  "",
  "",
  "",
  "",
  "",
  "Quick question: ",
  "Hi! ",
  "Hey, ",
  "Hello, ",
  "Hi there. ",
  "Sorry if this is basic, but ",
];

const SUFFIXES: readonly string[] = ["", "", "", "", "", " Thanks!", " Thank you."];

/**
 * Every bare phrasing of a topic, in a stable order.
 *
 * @example
 * ```ts
 * import { topicPhrasings } from "./prompts.ts";
 * import { COOKING_TOPICS } from "./topics_cooking.ts";
 * topicPhrasings(COOKING_TOPICS[0])[0]; // "How do I boil eggs?"
 * ```
 */
export function topicPhrasings(topic: Topic): string[] {
  const templated = isHowTo(topic)
    ? HOW_TO_PHRASINGS.map((phrase) => phrase(topic))
    : ABOUT_PHRASINGS.map((phrase) => phrase(topic as AboutTopic));
  return [...templated, ...(topic.questions ?? [])].map(clean);
}

/**
 * Adds an optional greeting before and thanks after a bare phrasing.
 *
 * @example
 * ```ts
 * import { Prng } from "./_prng.ts";
 * import { decoratePrompt } from "./prompts.ts";
 * decoratePrompt("How do I boil eggs?", new Prng(1)).includes("boil eggs"); // true
 * ```
 */
export function decoratePrompt(bare: string, rng: Prng): string {
  const prefix = rng.pick(PREFIXES);
  const suffix = rng.pick(SUFFIXES);
  if (prefix === "") return bare + suffix;
  const body = prefix.endsWith(". ") || prefix.endsWith("! ") ? bare : lowerFirst(bare);
  return prefix + body + suffix;
}
