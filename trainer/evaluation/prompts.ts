/**
 * The prompts an evaluation runs on: held-out prompts of trainer/corpus (never seen in training) or
 * explicit ones, each with the text criteria see (the user's prompt, as the shipped reward models were
 * trained on: prompt + "\n\n" + response) and the text the model continues (the chat format).
 *
 * @module
 */
import { heldOutPrompts } from "../corpus/mod.ts";
import { renderPrompt } from "../default_model/chat_format.ts";
import type { EvaluationGrid } from "./grid.ts";

/** One evaluation prompt. */
export interface EvaluationPrompt {
  id: string;
  /** The user's prompt (what criteria score responses against). */
  text: string;
  /** What the model continues (the prompt in the model's chat format). */
  rendered: string;
}

/**
 * The grid's prompts. Held-out prompts are spread evenly over the held-out list (index ⌊i·total/count⌋),
 * so a small count still mixes training topics' held-out phrasings with fully held-out and risky topics.
 *
 * @param render the chat format (default: the default model's, trainer/default_model/chat_format.ts)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluationPrompts } from "./prompts.ts";
 * const prompts = evaluationPrompts({ source: "held_out", count: 4 });
 * assert.equal(prompts.length, 4);
 * assert.ok(prompts[0].rendered.startsWith("<|user|>\n" + prompts[0].text));
 * assert.equal(evaluationPrompts({ source: "explicit", texts: ["Hi?"] })[0].id, "explicit-0");
 * ```
 */
export function evaluationPrompts(
  spec: EvaluationGrid["prompts"],
  render: (prompt: string) => string = (prompt) => renderPrompt(prompt),
): EvaluationPrompt[] {
  if (spec.source === "explicit") {
    return spec.texts.map((text, i) => ({ id: `explicit-${i}`, text, rendered: render(text) }));
  }
  const all = heldOutPrompts();
  if (spec.count > all.length) {
    throw new RangeError(`asked for ${spec.count} held-out prompts, there are ${all.length}`);
  }
  return Array.from({ length: spec.count }, (_, i) => {
    const prompt = all[Math.floor((i * all.length) / spec.count)];
    return { id: prompt.id, text: prompt.prompt, rendered: render(prompt.prompt) };
  });
}
