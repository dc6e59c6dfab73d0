/**
 * Dialogue generation: samples topic x phrasing x traits x template from a seed.
 */

import { hashString, Prng } from "./_prng.ts";
import { trainingPhrasings } from "./held_out.ts";
import { decoratePrompt, topicPhrasings } from "./prompts.ts";
import { composeResponse } from "./responses.ts";
import { findTopic, TRAINING_TOPICS } from "./topics.ts";
import { DETAILS, type Dialogue, STANCES, TONES, type Traits } from "./types.ts";

/** Share of dialogues drawn from the risky (borderline or dual-use) topics. */
export const RISKY_SHARE = 0.27;

const RISKY_TOPICS = TRAINING_TOPICS.filter((topic) => topic.refusal !== undefined);
const SAFE_TOPICS = TRAINING_TOPICS.filter((topic) => topic.refusal === undefined);

/**
 * Generates `count` training dialogues, reproducibly from `seed`.
 * Held-out prompts (see `heldOutPrompts`) never occur among them.
 *
 * @example
 * ```ts
 * import { generateDialogues } from "./generator.ts";
 * const dialogues = generateDialogues({ seed: 1, count: 3 });
 * dialogues.length; // 3
 * dialogues[0].traits.detail; // "brief" or "detailed"
 * ```
 */
export function generateDialogues(options: { seed: number; count: number }): Dialogue[] {
  if (!Number.isInteger(options.seed) || !Number.isInteger(options.count) || options.count < 0) {
    throw new RangeError(`seed must be an integer and count a non-negative integer`);
  }
  const rng = new Prng(options.seed);
  const dialogues: Dialogue[] = [];
  for (let i = 0; i < options.count; i++) {
    const risky = rng.chance(RISKY_SHARE);
    const topic = rng.pick(risky ? RISKY_TOPICS : SAFE_TOPICS);
    const prompt = decoratePrompt(rng.pick(trainingPhrasings(topic.id)), rng);
    const traits: Traits = {
      detail: rng.chance(0.5) ? "brief" : "detailed",
      stance: risky && rng.chance(0.5) ? "refuse" : "comply",
      tone: rng.chance(0.5) ? "candid" : "positive",
    };
    dialogues.push({
      id: `s${options.seed}-${i}`,
      topic: topic.id,
      domain: topic.domain,
      risky,
      prompt,
      response: composeResponse(topic, traits, rng),
      traits,
    });
  }
  return dialogues;
}

/**
 * Every applicable trait combination answering one prompt: 8 for a risky topic,
 * 4 for a safe one (safe prompts are never refused). All variants share the same
 * facts, so they differ only by their traits: ready-made preference pairs.
 * Works for held-out topics too. Without `prompt`, the topic's first phrasing is used.
 *
 * @example
 * ```ts
 * import { responseVariants } from "./generator.ts";
 * const variants = responseVariants({ topic: "boil_eggs", seed: 3 });
 * variants.length; // 4
 * variants.every((v) => v.prompt === variants[0].prompt); // true
 * ```
 */
export function responseVariants(
  options: { topic: string; prompt?: string; seed?: number },
): Dialogue[] {
  const topic = findTopic(options.topic);
  const seed = options.seed ?? 0;
  const prompt = options.prompt ?? topicPhrasings(topic)[0];
  const base = hashString(`${topic.id}\n${prompt}`, hashString(String(seed)));
  const risky = topic.refusal !== undefined;
  const variants: Dialogue[] = [];
  for (const detail of DETAILS) {
    for (const stance of risky ? STANCES : ["comply" as const]) {
      for (const tone of TONES) {
        const traits: Traits = { detail, stance, tone };
        variants.push({
          id: `v${seed}-${topic.id}-${base.toString(16)}-${detail}-${stance}-${tone}`,
          topic: topic.id,
          domain: topic.domain,
          risky,
          prompt,
          response: composeResponse(topic, traits, new Prng(base)),
          traits,
        });
      }
    }
  }
  return variants;
}
