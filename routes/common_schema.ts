/**
 * Wire pieces both completion routes share: stop sequences, stream options, usage, the
 * model object, and the rule that turns a request's `max_tokens` into the engine's
 * (user value → server default → API default).
 *
 * @module
 */
import { z } from "zod";
import type { FinishReason, SamplingParams } from "../models/engine/types.ts";

/** Server defaults from the config; a field left out of a request takes these before the API's own. */
export interface ServerDefaults {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
}

/** `stop`: one string or up to 4. */
export const StopSchema = z.union([z.string(), z.array(z.string()).max(4)], {
  error: "expected a string or an array of at most 4 strings",
}).nullish();

/** `stream_options` (only with `stream: true`). */
export const StreamOptionsSchema = z.strictObject({ include_usage: z.boolean().nullish() });

/** OpenAI's logit_bias: token ids (as strings) to a bias in [−100, 100] added to their logits. */
export const LogitBiasSchema = z.record(
  z.string().regex(/^\d+$/, { error: "logit_bias keys must be token ids (non-negative integers)" }),
  z.number().min(-100).max(100),
).nullish();

/**
 * vLLM's extra sampling parameters, accepted by both routes (OpenAI SDKs send them with `extra_body`):
 * top_k (−1 or 0: off), min_p (0: off), ignore_eos.
 */
export const VllmSamplingFields = {
  top_k: z.int().min(-1).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  ignore_eos: z.boolean().nullish(),
};

/** The seed as the engine takes it: a safe integer. */
export const SeedSchema = z.int().nullish();

/** Token counts of one request. */
export const UsageSchema = z.object({
  prompt_tokens: z.int(),
  completion_tokens: z.int(),
  total_tokens: z.int(),
  /** OpenAI's prompt caching: the prompt tokens served from the prefix cache, not prefilled. */
  prompt_tokens_details: z.object({ cached_tokens: z.int() }),
});

/** `usage` as it appears on the wire. */
export type Usage = z.output<typeof UsageSchema>;

/** One entry of `GET /v1/models`. */
export const ModelObjectSchema = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.int(),
  owned_by: z.string(),
});

/** `GET /v1/models`. */
export const ModelListSchema = z.object({ object: z.literal("list"), data: z.array(ModelObjectSchema) });

/** The error envelope every failure answers with. */
export const ErrorResponseSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});

/** `stop` as the engine's list. */
export function normalizeStop(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((s) => s !== "");
}

/**
 * The engine's maxTokens: the caller's value as given (the engine reports a context overflow),
 * else the server default or the API default, cut to the room left in the context (at least 1).
 *
 * @example
 * ```ts
 * import { resolveMaxTokens } from "./common_schema.ts";
 * if (resolveMaxTokens(100, undefined, 16, 60, 64) !== 100) throw new Error("caller's value stands");
 * if (resolveMaxTokens(undefined, undefined, 16, 60, 64) !== 4) throw new Error("default is cut to fit");
 * ```
 */
export function resolveMaxTokens(
  requested: number | null | undefined,
  serverDefault: number | undefined,
  apiDefault: number,
  promptTokens: number,
  contextLength: number,
): number {
  if (requested !== null && requested !== undefined) return requested;
  return Math.max(1, Math.min(serverDefault ?? apiDefault, contextLength - promptTokens));
}

/** The sampling fields both completion routes take with the same names and meaning. */
export interface CommonSamplingFields {
  temperature?: number | null;
  top_p?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  logit_bias?: Record<string, number> | null;
  top_k?: number | null;
  min_p?: number | null;
  ignore_eos?: boolean | null;
}

/**
 * The engine's sampling parameters: the shared fields (user value → server default → API default)
 * plus what each route decides itself, `maxTokens`, `logprobs` and `responseFormat`.
 *
 * @example
 * ```ts
 * import { commonSampling } from "./common_schema.ts";
 * const sampling = commonSampling({ top_p: 0.9, stop: "\n" }, { temperature: 0.5 }, { maxTokens: 8 });
 * if (sampling.temperature !== 0.5 || sampling.topP !== 0.9 || sampling.stop[0] !== "\n") throw new Error();
 * ```
 */
export function commonSampling(
  body: CommonSamplingFields,
  defaults: ServerDefaults,
  routeSpecific: Pick<SamplingParams, "maxTokens" | "logprobs" | "responseFormat" | "jsonSchema">,
): SamplingParams {
  return {
    temperature: body.temperature ?? defaults.temperature ?? 1,
    topP: body.top_p ?? defaults.topP ?? 1,
    topK: Math.max(0, body.top_k ?? 0),
    ...(body.min_p ? { minP: body.min_p } : {}),
    presencePenalty: body.presence_penalty ?? 0,
    frequencyPenalty: body.frequency_penalty ?? 0,
    ...routeSpecific,
    stop: normalizeStop(body.stop),
    ignoreEos: body.ignore_eos ?? false,
    seed: body.seed ?? undefined,
    ...(body.logit_bias == null || Object.keys(body.logit_bias).length === 0
      ? {}
      : { logitBias: Object.entries(body.logit_bias).map(([id, bias]) => [Number(id), bias] as const) }),
  };
}

/** Fields every response and chunk of one request shares. */
export interface ResponseMeta {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  /** The model version that served the request. */
  systemFingerprint: string;
}

/** OpenAI's finish reasons; a cancelled candidate reports `stop` (nobody is listening, or the stream errs). */
export function wireFinishReason(reason: FinishReason): "stop" | "length" {
  return reason === "length" ? "length" : "stop";
}

/**
 * Usage over prompts: each prompt counted once (and its tokens from the prefix cache), completion
 * tokens over every choice.
 *
 * @example
 * ```ts
 * import { sumUsage } from "./common_schema.ts";
 * const usage = sumUsage([{ promptTokens: 12, cachedPromptTokens: 11 }, { promptTokens: 5 }], [3, 4]);
 * if (usage.total_tokens !== 24 || usage.prompt_tokens_details.cached_tokens !== 11) throw new Error();
 * ```
 */
export function sumUsage(
  prompts: readonly { promptTokens: number; cachedPromptTokens?: number }[],
  completionTokens: readonly number[],
): Usage {
  const prompt = prompts.reduce((sum, p) => sum + p.promptTokens, 0);
  const cached = prompts.reduce((sum, p) => sum + (p.cachedPromptTokens ?? 0), 0);
  const completion = completionTokens.reduce((a, b) => a + b, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}
