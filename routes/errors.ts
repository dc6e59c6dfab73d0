/**
 * The single table from error class to OpenAI's error envelope
 * `{"error": {"message", "type", "param", "code"}}` and an HTTP status. Used by the app's
 * onError and notFound handlers, the request validation hook, the 405 handler and errors in
 * the middle of an SSE stream. Errors raised elsewhere know nothing of HTTP; the errors the
 * HTTP layer itself raises are defined here.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ContextLengthError,
  EngineClosedError,
  InvalidRequestError,
  OverloadedError,
  UnknownModelError,
} from "../models/engine/errors.ts";
import { UnknownTokenIdError } from "../models/tokenizer/mod.ts";
import { RegistryError, type RegistryErrorCode } from "../models/registry/mod.ts";
import { JobConflictError, JobNotFoundError } from "../trainer/jobs/errors.ts";
import {
  CriterionParamsError,
  InvalidAggregatorError,
  InvalidWeightsError,
  MissingCalibrationError,
  UnknownCriterionError,
} from "../aligners/criteria/mod.ts";

/** A request field failed validation or asks for something this server does not do. */
export class RequestValidationError extends Error {
  override name = "RequestValidationError";
  /**
   * @param param the offending field as a path (`messages[0].content`), or null
   * @param code OpenAI-style machine code (`invalid_type`, `unknown_parameter`, ...)
   */
  constructor(message: string, readonly param: string | null = null, readonly code: string | null = null) {
    super(message);
  }
}

/** The body is not valid JSON. */
export class MalformedJsonError extends Error {
  override name = "MalformedJsonError";
}

/** The body is not declared as `application/json`. */
export class UnsupportedMediaTypeError extends Error {
  override name = "UnsupportedMediaTypeError";
}

/** The body exceeds the configured size limit. */
export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
}

/** No API key, or not one of the configured ones. */
export class AuthenticationError extends Error {
  override name = "AuthenticationError";
}

/** The admin API is switched off (no ADMIN_TOKEN configured). */
export class AdminDisabledError extends Error {
  override name = "AdminDisabledError";
}

/** No route has this path. */
export class RouteNotFoundError extends Error {
  override name = "RouteNotFoundError";
}

/** The path exists but not with this method. */
export class MethodNotAllowedError extends Error {
  override name = "MethodNotAllowedError";
  constructor(message: string, readonly allowed: readonly string[]) {
    super(message);
  }
}

/** OpenAI's error envelope. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** How one error is answered. */
export interface ErrorReply {
  status: ContentfulStatusCode;
  body: ErrorBody;
  headers: Record<string, string>;
  /** Not an error raised on purpose: log it (the body says only that the server failed). */
  unexpected: boolean;
}

interface Mapping<E extends Error> {
  status: ContentfulStatusCode | ((error: E) => ContentfulStatusCode);
  type: string;
  code: string | null | ((error: E) => string | null);
  /** `promptParam` is `messages` on the chat route, `prompt` elsewhere. */
  param?: (error: E, promptParam: string) => string | null;
  headers?: (error: E) => Record<string, string>;
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = abstract new (...args: any[]) => E;
type Entry = { errorClass: ErrorClass<Error>; mapping: Mapping<Error> };

function entry<E extends Error>(errorClass: ErrorClass<E>, mapping: Mapping<E>): Entry {
  return { errorClass, mapping: mapping as unknown as Mapping<Error> };
}

/** Engine parameter names (`sampling.topP`) as the API's request fields (`top_p`). */
const ENGINE_PARAMS: Record<string, string> = {
  "n": "n",
  "model": "model",
  "sampling.temperature": "temperature",
  "sampling.topP": "top_p",
  "sampling.topK": "top_k",
  "sampling.minP": "min_p",
  "sampling.presencePenalty": "presence_penalty",
  "sampling.frequencyPenalty": "frequency_penalty",
  "sampling.maxTokens": "max_tokens",
  "sampling.stop": "stop",
  "sampling.seed": "seed",
  "sampling.logitBias": "logit_bias",
  "sampling.responseFormat": "response_format",
  "sampling.jsonSchema": "response_format",
  "sampling.logprobs": "logprobs",
  "promptLogprobs": "logprobs",
};

const INVALID = "invalid_request_error";

const REGISTRY_STATUS: Record<RegistryErrorCode, ContentfulStatusCode> = {
  not_found: 404,
  no_history: 409,
  conflict: 409,
  invalid: 400,
  corrupt: 500,
};

/** The table: first matching class wins, so subclasses come before their bases. */
const TABLE: readonly Entry[] = [
  entry(RequestValidationError, { status: 400, type: INVALID, code: (e) => e.code, param: (e) => e.param }),
  entry(MalformedJsonError, { status: 400, type: INVALID, code: "invalid_json" }),
  entry(UnsupportedMediaTypeError, { status: 415, type: INVALID, code: "unsupported_media_type" }),
  entry(PayloadTooLargeError, { status: 413, type: INVALID, code: "request_too_large" }),
  entry(AuthenticationError, {
    status: 401,
    type: INVALID,
    code: "invalid_api_key",
    headers: () => ({ "WWW-Authenticate": 'Bearer realm="api"' }),
  }),
  entry(AdminDisabledError, { status: 403, type: INVALID, code: "admin_disabled" }),
  entry(RouteNotFoundError, { status: 404, type: INVALID, code: "unknown_url" }),
  entry(MethodNotAllowedError, {
    status: 405,
    type: INVALID,
    code: "method_not_allowed",
    headers: (e) => ({ Allow: e.allowed.join(", ") }),
  }),
  entry(UnknownModelError, { status: 404, type: INVALID, code: "model_not_found", param: () => "model" }),
  entry(ContextLengthError, {
    status: 400,
    type: INVALID,
    code: "context_length_exceeded",
    param: (_, promptParam) => promptParam,
  }),
  entry(OverloadedError, {
    status: 429,
    type: "rate_limit_error",
    code: "engine_overloaded",
    headers: (e) => ({ "Retry-After": String(Math.max(1, Math.ceil(e.retryAfterSeconds))) }),
  }),
  entry(InvalidRequestError, {
    status: 400,
    type: INVALID,
    code: "invalid_value",
    param: (e, promptParam) =>
      e.param === undefined
        ? null
        : e.param === "promptIds"
        ? promptParam
        : ENGINE_PARAMS[e.param] ?? e.param,
  }),
  entry(UnknownTokenIdError, { status: 400, type: INVALID, code: "invalid_value", param: () => "prompt" }),
  entry(UnknownCriterionError, {
    status: 400,
    type: INVALID,
    code: "unknown_criterion",
    param: (e) => `alignment.criteria.${e.criterion}`,
  }),
  entry(InvalidWeightsError, {
    status: 400,
    type: INVALID,
    code: "invalid_weights",
    param: (e) => e.param.replace(/^weights/, "alignment.criteria"),
  }),
  entry(CriterionParamsError, {
    status: 400,
    type: INVALID,
    code: "invalid_criterion_params",
    param: (e) => `alignment.params.${e.criterion}${e.param === null ? "" : `.${e.param}`}`,
  }),
  entry(InvalidAggregatorError, {
    status: 400,
    type: INVALID,
    code: "invalid_value",
    param: (e) => `alignment.${e.param}`,
  }),
  entry(MissingCalibrationError, {
    status: 400,
    type: INVALID,
    code: "criterion_not_calibrated",
    param: (e) => `alignment.criteria.${e.criterion}`,
  }),
  entry(RegistryError, {
    status: (e) => REGISTRY_STATUS[e.code],
    type: INVALID,
    code: (e) => e.code === "not_found" ? "version_not_found" : e.code,
  }),
  entry(JobNotFoundError, { status: 404, type: INVALID, code: "job_not_found" }),
  entry(JobConflictError, { status: 409, type: INVALID, code: "conflict" }),
  entry(EngineClosedError, { status: 503, type: "server_error", code: "service_unavailable" }),
];

/** OpenAI's wording for a failure the caller cannot fix. */
export const UNEXPECTED_MESSAGE = "The server had an error while processing your request. Sorry about that!";

/**
 * Maps any thrown value to its reply; anything not in the table is a 500 with a generic message.
 *
 * @example
 * ```ts
 * import { UnknownModelError } from "../models/engine/errors.ts";
 * import { describeError } from "./errors.ts";
 * const reply = describeError(new UnknownModelError("gpt-9", ["default"]));
 * if (reply.status !== 404 || reply.body.error.code !== "model_not_found") throw new Error();
 * if (describeError(new TypeError("x is undefined")).body.error.message.includes("undefined")) throw new Error();
 * ```
 */
export function describeError(error: unknown, promptParam = "prompt"): ErrorReply {
  if (error instanceof Error) {
    for (const { errorClass, mapping } of TABLE) {
      if (!(error instanceof errorClass)) continue;
      return {
        status: typeof mapping.status === "function" ? mapping.status(error) : mapping.status,
        body: {
          error: {
            message: error.message,
            type: mapping.type,
            param: mapping.param?.(error, promptParam) ?? null,
            code: typeof mapping.code === "function" ? mapping.code(error) : mapping.code,
          },
        },
        headers: mapping.headers?.(error) ?? {},
        unexpected: false,
      };
    }
    if (error instanceof HTTPException) return describeHttpException(error);
  }
  return {
    status: 500,
    body: { error: { message: UNEXPECTED_MESSAGE, type: "server_error", param: null, code: null } },
    headers: {},
    unexpected: true,
  };
}

/** Hono's own exceptions (a 413 from bodyLimit, say) in the same envelope. */
function describeHttpException(error: HTTPException): ErrorReply {
  const status = error.status as ContentfulStatusCode;
  const clientError = status >= 400 && status < 500;
  return {
    status,
    body: {
      error: {
        message: clientError && error.message !== "" ? error.message : UNEXPECTED_MESSAGE,
        type: clientError ? INVALID : "server_error",
        param: null,
        code: null,
      },
    },
    headers: {},
    unexpected: !clientError,
  };
}
