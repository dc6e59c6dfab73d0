/**
 * Renders a conversation with the model's Jinja chat template (tokenizer_config.json's
 * `chat_template`, run by @huggingface/jinja) and `add_generation_prompt`, so the prompt ends
 * where the assistant's answer begins.
 *
 * @module
 */
import { Template } from "@huggingface/jinja";
import type { ModelInfo } from "../models/engine/types.ts";
import { type Message, messageText } from "./chat_completions_schema.ts";
import { RequestValidationError } from "./errors.ts";
import type { Tool } from "./tool_calls.ts";

const compiled = new Map<string, Template>();

/**
 * The prompt text for these messages (and the tools, as the template's `tools`). `developer` messages
 * render as `system` (chat templates predate that role). Throws RequestValidationError when the model has no template or the
 * template rejects the conversation (`raise_exception`).
 *
 * @example
 * ```ts
 * import { renderChatPrompt } from "./chat_template.ts";
 * const model = {
 *   name: "m", version: "v", contextLength: 64, vocabSize: 10, eosTokenIds: [0], specialTokens: {},
 *   chatTemplate: "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}",
 * };
 * const text = renderChatPrompt(model, [{ role: "developer", content: "Be brief." }, { role: "user", content: "Hi" }]);
 * if (text !== "<system>Be brief.<user>Hi<assistant>") throw new Error(text);
 * ```
 */
export function renderChatPrompt(
  model: ModelInfo,
  messages: readonly Message[],
  options: ChatRenderOptions = {},
): string {
  const { tools, continueFinalMessage = false } = options;
  const addGenerationPrompt = options.addGenerationPrompt ?? !continueFinalMessage;
  if (model.chatTemplate === undefined) {
    throw new RequestValidationError(
      `model "${model.name}" has no chat template; use /v1/completions with a plain prompt`,
      "model",
      "chat_template_missing",
    );
  }
  const template = templateFor(model.chatTemplate);
  const conversation = messages.map(templateMessage);
  let rendered: string;
  try {
    rendered = template.render({
      ...model.specialTokens,
      messages: conversation,
      add_generation_prompt: addGenerationPrompt,
      ...(tools && tools.length > 0 ? { tools } : {}),
    });
  } catch (error) {
    throw new RequestValidationError(
      `the model's chat template rejected the messages: ${(error as Error).message}`,
      "messages",
      "invalid_value",
    );
  }
  return continueFinalMessage
    ? endAtFinalMessage(rendered, conversation.at(-1)!.content as string)
    : rendered;
}

/** How {@linkcode renderChatPrompt} renders. */
export interface ChatRenderOptions {
  /** Passed to the template as `tools`. */
  tools?: readonly Tool[];
  /** End with the template's opening of an assistant turn (default: true, false when continuing). */
  addGenerationPrompt?: boolean;
  /**
   * vLLM's continue_final_message: the prompt ends right after the final (assistant) message's text, so
   * the answer continues it rather than starting a new turn.
   */
  continueFinalMessage?: boolean;
}

/** The rendering cut right after the final message's text (what the template closes it with goes). */
function endAtFinalMessage(rendered: string, finalText: string): string {
  const at = finalText === "" ? -1 : rendered.lastIndexOf(finalText);
  if (at < 0) {
    throw new RequestValidationError(
      "continue_final_message needs the final message's text, and the chat template must show it as it is",
      "messages",
      "invalid_value",
    );
  }
  return rendered.slice(0, at + finalText.length);
}

/**
 * A message as chat templates read it (Hugging Face's conventions): `developer` as `system`, text content,
 * and for tools an assistant's `tool_calls` with their arguments as objects, a tool result's `tool_call_id`.
 */
function templateMessage(m: Message): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: m.role === "developer" ? "system" : m.role,
    content: messageText(m.content),
  };
  if ("name" in m && m.name != null) message.name = m.name;
  if (m.role === "tool") message.tool_call_id = m.tool_call_id;
  if (m.role === "assistant" && m.tool_calls) {
    message.tool_calls = m.tool_calls.map((call) => ({
      id: call.id,
      type: call.type,
      function: { name: call.function.name, arguments: parsedOrText(call.function.arguments) },
    }));
  }
  return message;
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function templateFor(source: string): Template {
  let template = compiled.get(source);
  if (template === undefined) {
    template = new Template(source);
    compiled.set(source, template);
  }
  return template;
}
