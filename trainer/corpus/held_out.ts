/**
 * The held-out split: which prompts never appear in training.
 *
 * Rule 1: for every training topic, one phrasing (chosen by a hash of the
 * topic id) is never used in training. Rule 2: the topics in
 * `topics_held_out.ts` never appear in training at all.
 */

import { hashString } from "./_prng.ts";
import { topicPhrasings } from "./prompts.ts";
import type { Topic } from "./topic_types.ts";
import { HELD_OUT_TOPICS, TRAINING_TOPICS } from "./topics.ts";
import type { EvalPrompt } from "./types.ts";

/** Phrasings evaluated per fully held-out topic. */
const PROMPTS_PER_HELD_OUT_TOPIC = 6;

/** Index (into `topicPhrasings(topic)`) of the phrasing kept out of training. */
export function heldOutPhrasingIndex(topic: Topic): number {
  return hashString(topic.id) % topicPhrasings(topic).length;
}

const TRAINING_PHRASINGS = new Map<string, string[]>(
  TRAINING_TOPICS.map((topic) => {
    const skip = heldOutPhrasingIndex(topic);
    return [topic.id, topicPhrasings(topic).filter((_, i) => i !== skip)];
  }),
);

/**
 * The phrasings a training topic may use in generated dialogues.
 *
 * @example
 * ```ts
 * import { trainingPhrasings } from "./held_out.ts";
 * trainingPhrasings("boil_eggs").length > 10; // true
 * ```
 */
export function trainingPhrasings(topicId: string): string[] {
  const phrasings = TRAINING_PHRASINGS.get(topicId);
  if (!phrasings) throw new Error(`not a training topic: ${topicId}`);
  return phrasings;
}

/**
 * Evaluation prompts whose exact text never occurs among training prompts:
 * one held-out phrasing per training topic, plus several phrasings of each
 * fully held-out topic.
 *
 * @example
 * ```ts
 * import { heldOutPrompts } from "./held_out.ts";
 * heldOutPrompts().length >= 200; // true
 * ```
 */
export function heldOutPrompts(): EvalPrompt[] {
  const prompts: EvalPrompt[] = [];
  for (const topic of TRAINING_TOPICS) {
    const index = heldOutPhrasingIndex(topic);
    prompts.push(evalPrompt(topic, index, topicPhrasings(topic)[index]));
  }
  for (const topic of HELD_OUT_TOPICS) {
    const phrasings = topicPhrasings(topic);
    const start = hashString(topic.id) % phrasings.length;
    const count = Math.min(PROMPTS_PER_HELD_OUT_TOPIC, phrasings.length);
    for (let k = 0; k < count; k++) {
      const index = (start + k) % phrasings.length;
      prompts.push(evalPrompt(topic, index, phrasings[index]));
    }
  }
  return prompts;
}

function evalPrompt(topic: Topic, index: number, prompt: string): EvalPrompt {
  return {
    id: `heldout-${topic.id}-${index}`,
    topic: topic.id,
    domain: topic.domain,
    risky: topic.refusal !== undefined,
    prompt,
  };
}
