/** Read-only summary of the topic catalogue for callers outside the corpus folder. */

import { topicPhrasings } from "./prompts.ts";
import { isHowTo } from "./topic_types.ts";
import { ALL_TOPICS, isHeldOutTopic } from "./topics.ts";

/** What a caller may want to know about a topic. */
export interface TopicInfo {
  id: string;
  domain: string;
  kind: "howTo" | "about";
  risky: boolean;
  /** Never used in training dialogues. */
  heldOut: boolean;
  /** Number of bare phrasings (templates plus the topic's own questions). */
  phrasings: number;
}

/**
 * Every topic of the catalogue, training topics first.
 *
 * @example
 * ```ts
 * import { listTopics } from "./catalogue.ts";
 * listTopics().filter((t) => !t.heldOut).length >= 150; // true
 * ```
 */
export function listTopics(): TopicInfo[] {
  return ALL_TOPICS.map((topic) => ({
    id: topic.id,
    domain: topic.domain,
    kind: isHowTo(topic) ? "howTo" : "about",
    risky: topic.refusal !== undefined,
    heldOut: isHeldOutTopic(topic.id),
    phrasings: topicPhrasings(topic).length,
  }));
}
