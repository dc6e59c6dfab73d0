/**
 * Shape of the hand-written topic data (`topics_*.ts`).
 *
 * Writing rules, so templates can splice fragments into grammatical English:
 * - `brief`: the core answer as one clause, capitalised, no final period (~8-13 words).
 * - `perk` / `pitfall`: one clause each, lower-case start unless a proper noun,
 *   no final period; `perk` upbeat (great, enjoy, easy...), `pitfall` frank
 *   (problem, risk, mistake, hard...).
 * - `perkShort` / `pitfallShort`: the same idea in 3-7 words, for one-sentence answers.
 * - `upside` / `downside`: one full sentence each, same tones.
 * - `steps`: 4-5 full sentences with concrete facts or steps, in a sensible order.
 */

/** How a risky request is declined: used only by `stance: "refuse"`. */
export interface Refusal {
  /** Gerund phrase naming what is declined: "picking the lock yourself". */
  what: string;
  /** Short clause saying why: "a wrong move can wreck the lock". */
  risk: string;
  /** Base verb phrase of the safer route: "call a locksmith or your landlord". */
  alt: string;
  /** 2-3 full sentences expanding the safer route. */
  altSteps: string[];
}

/** Fields shared by both kinds of topic. */
interface TopicBase {
  /** Stable snake_case id, unique across all topic files. */
  id: string;
  domain: string;
  /** Extra natural phrasings of the request, full sentences with punctuation. */
  questions?: string[];
  brief: string;
  perk: string;
  pitfall: string;
  perkShort: string;
  pitfallShort: string;
  upside: string;
  downside: string;
  steps: string[];
  /** Safety or sensitive subject: upbeat templates stay warm but never say "have fun". */
  serious?: boolean;
  /** Steps are a sequence (enables "First, ... Finally, ..." connectors). */
  ordered?: boolean;
  /** Present exactly when the request is borderline or dual-use. */
  refusal?: Refusal;
}

/** A "how do I ...?" request: `action` is a base verb phrase, `gerund` its -ing form. */
export interface HowToTopic extends TopicBase {
  action: string;
  gerund: string;
}

/** A "tell me about ..." request: `subject` is a noun phrase. */
export interface AboutTopic extends TopicBase {
  subject: string;
}

export type Topic = HowToTopic | AboutTopic;

/**
 * Template family of a topic: plain how-to, plain explanation, "careful" for
 * risky or serious how-to requests, "sober" for serious explanations.
 */
export type TopicKind = "howTo" | "about" | "careful" | "sober";

/** The template family a topic's responses draw openers, closers and tails from. */
export function topicKind(topic: Topic): TopicKind {
  const careful = topic.refusal !== undefined || topic.serious === true;
  if (isHowTo(topic)) return careful ? "careful" : "howTo";
  return careful ? "sober" : "about";
}

/** True for "how do I ...?" topics. */
export function isHowTo(topic: Topic): topic is HowToTopic {
  return "action" in topic;
}
