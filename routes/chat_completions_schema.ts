/**
 * `POST /v1/chat/completions` on the wire: the request (fields in the OpenAI reference's
 * order), the response and stream chunk, and the conversion into an engine request
 * (user value → server default → API default).
 *
 * @module
 */
import { z } from "zod";
import type { GenerationRequest, SamplingParams } from "../models/engine/types.ts";
import { AlignmentSpecSchema } from "./alignment_schema.ts";
import { checkResponseFormat, responseFormatOf, ResponseFormatSchema } from "./response_format.ts";
import {
  checkTools,
  ToolCallSchema,
  ToolChoiceSchema,
  toolPlan,
  toolSampling,
  ToolSchema,
} from "./tool_calls.ts";
import {
  commonSampling,
  LogitBiasSchema,
  resolveMaxTokens,
  SeedSchema,
  type ServerDefaults,
  StopSchema,
  StreamOptionsSchema,
  UsageSchema,
  VllmSamplingFields,
} from "./common_schema.ts";

const TextPartSchema = z.strictObject({ type: z.literal("text"), text: z.string() });
const ContentSchema = z.union([z.string(), z.array(TextPartSchema).min(1)], {
  error: "expected a string or an array of text parts",
});
const name = z.string().nullish();

/** One message; content parts are text only (this model reads no images or audio). */
export const MessageSchema = z.discriminatedUnion("role", [
  z.strictObject({ role: z.literal("developer"), content: ContentSchema, name }),
  z.strictObject({ role: z.literal("system"), content: ContentSchema, name }),
  z.strictObject({ role: z.literal("user"), content: ContentSchema, name }),
  z.strictObject({
    role: z.literal("assistant"),
    content: ContentSchema.nullish(),
    name,
    refusal: z.string().nullish(),
    tool_calls: z.array(ToolCallSchema).nullish(),
  }),
  z.strictObject({ role: z.literal("tool"), content: ContentSchema, tool_call_id: z.string() }),
], { error: "role must be one of developer, system, user, assistant, tool" });

/** A chat message as the request gives it. */
export type Message = z.output<typeof MessageSchema>;

/** vLLM's chat rendering fields: `add_generation_prompt` and `continue_final_message`. */
export const ChatRenderingFields = {
  add_generation_prompt: z.boolean().nullish(),
  continue_final_message: z.boolean().nullish(),
};

/** Continuing the final message needs an assistant message last, and no new turn opened after it. */
export function checkChatRendering(
  body: {
    messages: readonly Message[];
    add_generation_prompt?: boolean | null;
    continue_final_message?: boolean | null;
  },
  ctx: z.RefinementCtx,
): void {
  if (body.continue_final_message !== true) return;
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (body.messages.at(-1)?.role !== "assistant") {
    issue("continue_final_message", "continue_final_message needs an assistant message last");
  }
  if (body.add_generation_prompt === true) {
    issue("add_generation_prompt", "add_generation_prompt opens a new turn: not with continue_final_message");
  }
}

/** The chat completions request. */
export const ChatCompletionRequestSchema = z.strictObject({
  messages: z.array(MessageSchema).min(1),
  model: z.string().min(1),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: LogitBiasSchema,
  logprobs: z.boolean().nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  max_tokens: z.int().min(1).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  n: z.int().min(1).max(128).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  response_format: ResponseFormatSchema,
  seed: SeedSchema,
  stop: StopSchema,
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  stream_options: StreamOptionsSchema.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  tool_choice: ToolChoiceSchema,
  tools: z.array(ToolSchema).nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  user: z.string().nullish(),
  ...VllmSamplingFields,
  ...ChatRenderingFields,
  /** Our extension: the per-request alignment spec (alignment_schema.ts). */
  alignment: AlignmentSpecSchema.nullish(),
}).superRefine((body, ctx) => {
  checkChatRendering(body, ctx);
  const issue = (field: string, message: string) => ctx.addIssue({ code: "custom", path: [field], message });
  checkResponseFormat(body.response_format, ctx);
  checkTools(body, ctx);
  if (body.top_logprobs != null && body.logprobs !== true) {
    issue("top_logprobs", "top_logprobs requires logprobs to be true");
  }
  if (body.stream_options != null && body.stream !== true) {
    issue("stream_options", "only allowed when stream is true");
  }
});

/** A validated chat completions request. */
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequestSchema>;

const TopLogprobSchema = z.object({
  token: z.string(),
  logprob: z.number(),
  bytes: z.array(z.int()).nullable(),
});

/** Log-prob of one generated token with its alternatives. */
export const ChatTokenLogprobSchema = TopLogprobSchema.extend({ top_logprobs: z.array(TopLogprobSchema) });

/** One token's log-prob entry on the wire. */
export type ChatTokenLogprob = z.output<typeof ChatTokenLogprobSchema>;

const ChatLogprobsSchema = z.object({
  content: z.array(ChatTokenLogprobSchema).nullable(),
  refusal: z.array(ChatTokenLogprobSchema).nullable(),
});

const FinishReasonSchema = z.enum(["stop", "length", "tool_calls"]);

/** The chat completions response. */
export const ChatCompletionResponseSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.int(),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(z.object({
    index: z.int(),
    message: z.object({
      role: z.literal("assistant"),
      content: z.string().nullable(),
      refusal: z.null(),
      tool_calls: z.array(ToolCallSchema).optional(),
    }),
    logprobs: ChatLogprobsSchema.nullable(),
    finish_reason: FinishReasonSchema,
  })),
  usage: UsageSchema,
});

/** A chat completions response. */
export type ChatCompletionResponse = z.output<typeof ChatCompletionResponseSchema>;

/** A streamed piece of a call: the first names it, later ones add to its arguments. */
const ToolCallDeltaSchema = z.object({
  index: z.int(),
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string() }),
});

/** One streamed chunk. */
export const ChatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.int(),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(z.object({
    index: z.int(),
    delta: z.object({
      role: z.literal("assistant").optional(),
      content: z.string().nullable().optional(),
      tool_calls: z.array(ToolCallDeltaSchema).optional(),
    }),
    logprobs: ChatLogprobsSchema.nullable(),
    finish_reason: FinishReasonSchema.nullable(),
  })),
  usage: UsageSchema.nullable().optional(),
});

/** A chat stream chunk. */
export type ChatCompletionChunk = z.output<typeof ChatCompletionChunkSchema>;

/**
 * The engine's sampling parameters. Without any max_tokens the room left in the context is the
 * limit (OpenAI's chat default).
 *
 * @example
 * ```ts
 * import { chatSampling } from "./chat_completions_schema.ts";
 * const body = { model: "m", messages: [{ role: "user" as const, content: "hi" }], logprobs: true, top_logprobs: 2 };
 * const sampling = chatSampling(body, 10, 64, {});
 * if (sampling.maxTokens !== 54 || sampling.logprobs !== 2 || sampling.temperature !== 1) throw new Error();
 * ```
 */
export function chatSampling(
  body: ChatCompletionRequest,
  promptTokens: number,
  contextLength: number,
  defaults: ServerDefaults,
): SamplingParams {
  return commonSampling(body, defaults, {
    maxTokens: resolveMaxTokens(
      body.max_completion_tokens ?? body.max_tokens,
      defaults.maxTokens,
      contextLength - promptTokens,
      promptTokens,
      contextLength,
    ),
    logprobs: body.logprobs === true ? body.top_logprobs ?? 0 : undefined,
    ...responseFormatOf(body.response_format),
    ...toolSampling(toolPlan(body.tools, body.tool_choice, body.parallel_tool_calls)),
  });
}

/** The engine request for the rendered, tokenized conversation. */
export function toGenerationRequest(
  body: ChatCompletionRequest,
  promptIds: number[],
  contextLength: number,
  defaults: ServerDefaults,
): GenerationRequest {
  return {
    model: body.model,
    promptIds,
    n: body.n ?? 1,
    sampling: chatSampling(body, promptIds.length, contextLength, defaults),
  };
}

/** A message's text: a string, or its text parts joined. */
export function messageText(content: Message["content"]): string {
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}
