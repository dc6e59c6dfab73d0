/**
 * `POST /v1/completions` on the wire: the request (fields in the OpenAI reference's order),
 * the response and stream chunk, and the conversion of a request into engine requests
 * (user value → server default → API default).
 *
 * @module
 */
import { checkResponseFormat, responseFormatOf, ResponseFormatSchema } from "./response_format.ts";
import { z } from "zod";
import type { GenerationRequest, SamplingParams } from "../models/engine/types.ts";
import { AlignmentSpecSchema } from "./alignment_schema.ts";
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

/** OpenAI's default `max_tokens` for completions. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

const TokenIds = z.array(z.int().min(0)).min(1);

/** `prompt`: a string, strings, token ids, or arrays of token ids; each entry is its own prompt. */
export const PromptSchema = z.union([
  z.string(),
  z.array(z.string()).min(1),
  TokenIds,
  z.array(TokenIds).min(1),
], {
  error: "expected a string, an array of strings, an array of token ids or an array of token-id arrays",
});

/** The completions request. */
export const CompletionRequestSchema = z.strictObject({
  model: z.string().min(1),
  prompt: PromptSchema,
  best_of: z.int().min(1).max(20).nullish(),
  echo: z.boolean().nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: LogitBiasSchema,
  logprobs: z.int().min(0).max(5).nullish(),
  max_tokens: z.int().min(1).nullish(),
  n: z.int().min(1).max(128).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  response_format: ResponseFormatSchema,
  seed: SeedSchema,
  stop: StopSchema,
  stream: z.boolean().nullish(),
  stream_options: StreamOptionsSchema.nullish(),
  suffix: z.string().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  user: z.string().nullish(),
  ...VllmSamplingFields,
  /** Our extension: the per-request alignment spec (alignment_schema.ts). */
  alignment: AlignmentSpecSchema.nullish(),
}).superRefine((body, ctx) => {
  const n = body.n ?? 1;
  const bestOf = (message: string) => ctx.addIssue({ code: "custom", path: ["best_of"], message });
  if (body.best_of != null && body.best_of < n) {
    bestOf("best_of must be greater than or equal to n");
  } else if (body.best_of != null && body.best_of > n && n > 1) {
    bestOf("best_of > n runs reward-based best-of-N, which returns one answer: use n = 1");
  } else if (body.best_of != null && body.best_of > n && body.alignment != null) {
    bestOf("give either best_of or alignment (alignment.n sets best-of-N's candidates)");
  }
  if (body.suffix != null && body.suffix !== "") {
    ctx.addIssue({
      code: "custom",
      path: ["suffix"],
      message: "suffix (insertion) is not supported by this model",
    });
  }
  if (body.stream_options != null && body.stream !== true) {
    ctx.addIssue({ code: "custom", path: ["stream_options"], message: "only allowed when stream is true" });
  }
  checkResponseFormat(body.response_format, ctx);
});

/** A validated completions request. */
export type CompletionRequest = z.output<typeof CompletionRequestSchema>;

/** Legacy completions logprobs: parallel arrays, one entry per token. */
export const CompletionLogprobsSchema = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()),
  text_offset: z.array(z.int()),
});

/** Legacy completions logprobs on the wire. */
export type CompletionLogprobs = z.output<typeof CompletionLogprobsSchema>;

const CompletionChoiceSchema = z.object({
  text: z.string(),
  index: z.int(),
  logprobs: CompletionLogprobsSchema.nullable(),
  finish_reason: z.enum(["stop", "length"]).nullable(),
});

/** One choice of a completion (or of a stream chunk, where finish_reason is null until the end). */
export type CompletionChoice = z.output<typeof CompletionChoiceSchema>;

/** The completions response; stream chunks share the shape (usage null but in the last chunk). */
export const CompletionResponseSchema = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.int(),
  model: z.string(),
  system_fingerprint: z.string(),
  choices: z.array(CompletionChoiceSchema),
  usage: UsageSchema.nullable().optional(),
});

/** A completions response or stream chunk. */
export type CompletionResponse = z.output<typeof CompletionResponseSchema>;

/** Prompts as the request gives them: text to tokenize, or token ids. */
export type PromptInput = { text: string } | { ids: number[] };

/** Each prompt of the request, in order (a string prompt is one prompt). */
export function promptInputs(prompt: CompletionRequest["prompt"]): PromptInput[] {
  if (typeof prompt === "string") return [{ text: prompt }];
  if (prompt.every((p) => typeof p === "string")) return prompt.map((text) => ({ text }));
  if (prompt.every((p) => typeof p === "number")) return [{ ids: prompt }];
  return (prompt as number[][]).map((ids) => ({ ids }));
}

/**
 * The engine's sampling parameters for one prompt of this request.
 *
 * @example
 * ```ts
 * import { completionSampling } from "./completions_schema.ts";
 * const sampling = completionSampling({ model: "m", prompt: "hi", stop: "\n" }, 5, 64, { temperature: 0.7 });
 * if (sampling.maxTokens !== 16 || sampling.temperature !== 0.7 || sampling.stop[0] !== "\n") throw new Error();
 * ```
 */
export function completionSampling(
  body: CompletionRequest,
  promptTokens: number,
  contextLength: number,
  defaults: ServerDefaults,
): SamplingParams {
  return commonSampling(body, defaults, {
    maxTokens: resolveMaxTokens(
      body.max_tokens,
      defaults.maxTokens,
      COMPLETIONS_DEFAULT_MAX_TOKENS,
      promptTokens,
      contextLength,
    ),
    logprobs: body.logprobs ?? undefined,
    ...responseFormatOf(body.response_format),
  });
}

/** The engine request for one tokenized prompt of this completions request. */
export function toGenerationRequest(
  body: CompletionRequest,
  promptIds: number[],
  contextLength: number,
  defaults: ServerDefaults,
): GenerationRequest {
  return {
    model: body.model,
    promptIds,
    n: body.n ?? 1,
    sampling: completionSampling(body, promptIds.length, contextLength, defaults),
    promptLogprobs: body.echo === true && body.logprobs != null ? body.logprobs : undefined,
  };
}
