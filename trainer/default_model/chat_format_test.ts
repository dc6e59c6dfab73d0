import assert from "node:assert/strict";
import { Template } from "@huggingface/jinja";
import { CHAT_TEMPLATE, renderDialogue, renderPrompt } from "./chat_format.ts";

Deno.test("chat template renders a generation prompt exactly as training prompts are written", () => {
  const rendered = new Template(CHAT_TEMPLATE).render({
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "How do I boil an egg?" }],
    add_generation_prompt: true,
  });
  assert.equal(rendered, renderPrompt("How do I boil an egg?", "Be brief."));
});

Deno.test("chat template renders a finished dialogue exactly as training dialogues are written", () => {
  const rendered = new Template(CHAT_TEMPLATE).render({
    messages: [{ role: "user", content: "Hi?" }, { role: "assistant", content: "Hello." }],
    add_generation_prompt: false,
  });
  assert.equal(rendered, renderDialogue("Hi?", "Hello."));
});
