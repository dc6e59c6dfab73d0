/**
 * Training corpus: deterministic English prompt -> response dialogues over
 * many topics, tagged with traits that trade off against each other
 * (detail: brief/detailed, stance: comply/refuse, tone: candid/positive),
 * plus held-out evaluation prompts and all-trait variants for preference pairs.
 *
 * @module
 */

export type { Detail, Dialogue, EvalPrompt, Stance, Tone, Traits } from "./types.ts";
export { DETAILS, STANCES, TONES } from "./types.ts";
export { generateDialogues, responseVariants, RISKY_SHARE } from "./generator.ts";
export { heldOutPrompts } from "./held_out.ts";
export { listTopics, type TopicInfo } from "./catalogue.ts";
export { type CorpusStats, summarizeDialogues } from "./stats.ts";
