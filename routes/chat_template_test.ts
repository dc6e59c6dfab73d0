import assert from "node:assert/strict";
import type { ModelInfo } from "../models/engine/types.ts";
import { renderChatPrompt } from "./chat_template.ts";
import { RequestValidationError } from "./errors.ts";

// The default model's template (trainer/default_model/chat_format.ts).
const TEMPLATE = "{% for message in messages %}" +
  "{% if message['role'] == 'system' %}{{ '<|system|>\\n' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n' + message['content'] + eos_token }}" +
  "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

const model = (chatTemplate?: string): ModelInfo => ({
  name: "m",
  version: "v1",
  contextLength: 64,
  vocabSize: 10,
  eosTokenIds: [0],
  specialTokens: { eos_token: "<|endoftext|>" },
  chatTemplate,
});

Deno.test("chat template: renders with add_generation_prompt and the special tokens", () => {
  const text = renderChatPrompt(model(TEMPLATE), [
    { role: "developer", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "Hi" }] },
    { role: "assistant", content: "Hello" },
    { role: "user", content: "Bye" },
  ]);
  assert.equal(
    text,
    "<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\nHello<|endoftext|><|user|>\nBye\n<|assistant|>\n",
  );
});

Deno.test("chat template: a missing template or raise_exception is a 400-type error", () => {
  assert.throws(() => renderChatPrompt(model(), [{ role: "user", content: "x" }]), RequestValidationError);
  const strict =
    "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}";
  assert.throws(
    () => renderChatPrompt(model(strict), [{ role: "system", content: "x" }]),
    (error: RequestValidationError) =>
      error.param === "messages" && /first message must be from the user/.test(error.message),
  );
});

Deno.test("chat template: add_generation_prompt off, and continue_final_message ends at the final text", () => {
  const messages = [
    { role: "user" as const, content: "Hi" },
    { role: "assistant" as const, content: "Hello, I" },
  ];
  assert.equal(
    renderChatPrompt(model(TEMPLATE), messages, { addGenerationPrompt: false }),
    "<|user|>\nHi\n<|assistant|>\nHello, I<|endoftext|>",
  );
  // Continued: the template's end of turn is cut, and no new turn opens.
  assert.equal(
    renderChatPrompt(model(TEMPLATE), messages, { continueFinalMessage: true }),
    "<|user|>\nHi\n<|assistant|>\nHello, I",
  );
  // The final text must be there to cut after (an empty one cannot be found).
  assert.throws(
    () =>
      renderChatPrompt(model(TEMPLATE), [messages[0], { role: "assistant", content: "" }], {
        continueFinalMessage: true,
      }),
    (error: RequestValidationError) =>
      error.param === "messages" && /continue_final_message/.test(error.message),
  );
});
