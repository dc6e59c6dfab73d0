/**
 * vLLM's `POST /tokenize` and `POST /detokenize`: the token ids the completion routes would feed the model
 * for a prompt (or for a conversation rendered with the chat template), and the text of token ids. The
 * gateway adds no special tokens of its own to prompts, so `add_special_tokens` is accepted and changes
 * nothing: the ids are exactly what a completion request prefills.
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import { InvalidRequestError } from "../models/engine/mod.ts";
import { ChatRenderingFields, checkChatRendering, MessageSchema } from "./chat_completions_schema.ts";
import { renderChatPrompt } from "./chat_template.ts";
import { type AppEnv, findModel, type RouteDeps } from "./deps.ts";
import { RequestValidationError } from "./errors.ts";
import { ToolSchema } from "./tool_calls.ts";
import { validatedJson } from "./validation.ts";

const common = {
  model: z.string().min(1),
  add_special_tokens: z.boolean().nullish(),
  return_token_strs: z.boolean().nullish(),
};

/** A prompt (completions form) or a conversation (chat form). */
export const TokenizeRequestSchema = z.union([
  z.strictObject({ ...common, prompt: z.string() }),
  z.strictObject({
    ...common,
    messages: z.array(MessageSchema).min(1),
    ...ChatRenderingFields,
    tools: z.array(ToolSchema).nullish(),
  }).superRefine(checkChatRendering),
], { error: "give either prompt (a string) or messages" });

export const DetokenizeRequestSchema = z.strictObject({
  model: z.string().min(1),
  tokens: z.array(z.int().min(0)),
});

export const TokenizeResponseSchema = z.object({
  count: z.int(),
  max_model_len: z.int(),
  tokens: z.array(z.int()),
  token_strs: z.array(z.string()).optional(),
});

export const DetokenizeResponseSchema = z.object({ prompt: z.string() });

/** Adds `/tokenize` and `/detokenize`. */
export function registerTokenize(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.post("/tokenize", async (c) => {
    const body = await validatedJson(c, TokenizeRequestSchema);
    const model = findModel(deps.engine, body.model);
    const text = "prompt" in body ? body.prompt : renderChatPrompt(model, body.messages, {
      tools: body.tools ?? undefined,
      addGenerationPrompt: body.add_generation_prompt ?? undefined,
      continueFinalMessage: body.continue_final_message ?? false,
    });
    const tokens = await deps.engine.tokenize(model.name, text);
    const tokenStrs = body.return_token_strs === true
      ? { token_strs: await Promise.all(tokens.map((id) => deps.engine.detokenize(model.name, [id]))) }
      : {};
    const response: z.output<typeof TokenizeResponseSchema> = {
      count: tokens.length,
      max_model_len: model.contextLength,
      tokens,
      ...tokenStrs,
    };
    return c.json(response);
  });
  app.post("/detokenize", async (c) => {
    const body = await validatedJson(c, DetokenizeRequestSchema);
    const model = findModel(deps.engine, body.model);
    try {
      return c.json({ prompt: await deps.engine.detokenize(model.name, body.tokens) });
    } catch (error) {
      if (error instanceof InvalidRequestError) {
        throw new RequestValidationError(error.message, "tokens", "invalid_value");
      }
      throw error;
    }
  });
}
