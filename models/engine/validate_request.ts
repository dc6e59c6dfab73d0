/**
 * Checks a GenerationRequest against the model it names and the engine's bounds, before it
 * reaches the worker, and fills in a random seed when none was given. Range policies of the
 * public API (OpenAI's limits) belong to the routes; this rejects only what the engine cannot do.
 *
 * @module
 */
import { compiledSchema } from "./json_constraint.ts";
import { SchemaError } from "./json_schema.ts";
import { ContextLengthError, InvalidRequestError, UnknownModelError } from "./errors.ts";
import type { GenerationRequest, ModelInfo } from "./types.ts";

/** Most log-prob alternatives per token (OpenAI's chat API allows 20). */
export const MAX_LOGPROB_ALTERNATIVES = 20;

/**
 * The request, validated, with `sampling.seed` set (drawn from crypto when absent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const info = { name: "m", version: "1", contextLength: 8, vocabSize: 10, eosTokenIds: [0], specialTokens: {} };
 * const sampling = { temperature: 1, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0,
 *   maxTokens: 4, stop: [], ignoreEos: false };
 * const checked = validateRequest({ model: "m", promptIds: [1, 2], n: 2, sampling }, [info], 8);
 * assert.ok(Number.isSafeInteger(checked.sampling.seed));
 * assert.throws(() => validateRequest({ model: "m", promptIds: [1, 2, 3, 4, 5], n: 1, sampling }, [info], 8));
 * ```
 */
export function validateRequest(
  request: GenerationRequest,
  models: readonly ModelInfo[],
  maxBatchSize: number,
): GenerationRequest {
  const info = models.find((m) => m.name === request.model);
  if (!info) throw new UnknownModelError(request.model, models.map((m) => m.name));
  const { sampling } = request;
  const integer = (value: unknown, min: number, max: number, param: string) => {
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      throw new InvalidRequestError(`${param} must be an integer in [${min}, ${max}], got ${value}`, param);
    }
  };
  const finite = (value: unknown, min: number, max: number, param: string) => {
    if (typeof value !== "number" || !(value >= min && value <= max)) {
      throw new InvalidRequestError(`${param} must be a number in [${min}, ${max}], got ${value}`, param);
    }
  };
  integer(request.n, 1, maxBatchSize, "n");
  if (!Array.isArray(request.promptIds) || request.promptIds.length === 0) {
    throw new InvalidRequestError("the prompt has no tokens", "promptIds");
  }
  for (const id of request.promptIds) integer(id, 0, info.vocabSize - 1, "promptIds");
  finite(sampling.temperature, 0, Number.MAX_VALUE, "sampling.temperature");
  finite(sampling.topP, 0, 1, "sampling.topP");
  integer(sampling.topK, 0, Number.MAX_SAFE_INTEGER, "sampling.topK");
  if (sampling.minP !== undefined) finite(sampling.minP, 0, 1, "sampling.minP");
  finite(sampling.presencePenalty, -Number.MAX_VALUE, Number.MAX_VALUE, "sampling.presencePenalty");
  finite(sampling.frequencyPenalty, -Number.MAX_VALUE, Number.MAX_VALUE, "sampling.frequencyPenalty");
  integer(sampling.maxTokens, 0, Number.MAX_SAFE_INTEGER, "sampling.maxTokens");
  if (sampling.logitBias !== undefined) {
    const pairs = sampling.logitBias;
    if (!Array.isArray(pairs) || pairs.some((pair) => !Array.isArray(pair) || pair.length !== 2)) {
      throw new InvalidRequestError(
        "logitBias must be a list of [token id, bias] pairs",
        "sampling.logitBias",
      );
    }
    for (const [id, bias] of pairs) {
      integer(id, 0, info.vocabSize - 1, "sampling.logitBias");
      finite(bias, -Number.MAX_VALUE, Number.MAX_VALUE, "sampling.logitBias");
    }
  }
  if (
    sampling.responseFormat !== undefined &&
    !["text", "json_object", "json_schema"].includes(sampling.responseFormat)
  ) {
    throw new InvalidRequestError(
      `responseFormat must be "text", "json_object" or "json_schema", got ${
        JSON.stringify(sampling.responseFormat)
      }`,
      "sampling.responseFormat",
    );
  }
  if (sampling.responseFormat === "json_schema") {
    try {
      compiledSchema(sampling.jsonSchema ?? {});
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      throw new InvalidRequestError(`invalid JSON schema: ${error.message}`, "sampling.jsonSchema");
    }
  }
  if (sampling.logprobs !== undefined) {
    integer(sampling.logprobs, 0, MAX_LOGPROB_ALTERNATIVES, "sampling.logprobs");
  }
  if (request.firstStream !== undefined) integer(request.firstStream, 0, 2 ** 32, "firstStream");
  if (request.resumeTokens !== undefined) {
    integer(request.resumeTokens, 0, request.promptIds.length, "resumeTokens");
  }
  if (request.promptLogprobs !== undefined) {
    integer(request.promptLogprobs, 0, MAX_LOGPROB_ALTERNATIVES, "promptLogprobs");
  }
  if (!Array.isArray(sampling.stop) || sampling.stop.some((s) => typeof s !== "string" || s.length === 0)) {
    throw new InvalidRequestError("stop must be a list of non-empty strings", "sampling.stop");
  }
  if (sampling.seed !== undefined && !Number.isSafeInteger(sampling.seed)) {
    throw new InvalidRequestError(`seed must be a safe integer, got ${sampling.seed}`, "sampling.seed");
  }
  if (request.promptIds.length + sampling.maxTokens > info.contextLength) {
    throw new ContextLengthError(request.promptIds.length, sampling.maxTokens, info.contextLength);
  }
  return { ...request, sampling: { ...sampling, seed: sampling.seed ?? randomSeed() } };
}

/** A uniformly random non-negative safe integer (53 bits) from crypto. */
function randomSeed(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (high >>> 11) * 2 ** 32 + low;
}
