/**
 * `/openapi.json`: an OpenAPI 3.1 document of the gateway's routes, its schemas generated from
 * the routes' zod schemas with zod 4's `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1
 * uses as is).
 *
 * @module
 */
import {
  DetokenizeRequestSchema,
  DetokenizeResponseSchema,
  TokenizeRequestSchema,
  TokenizeResponseSchema,
} from "./tokenize.ts";
import { z } from "zod";
import {
  ChatCompletionChunkSchema,
  ChatCompletionRequestSchema,
  ChatCompletionResponseSchema,
} from "./chat_completions_schema.ts";
import { ErrorResponseSchema, ModelListSchema, ModelObjectSchema } from "./common_schema.ts";
import { CompletionRequestSchema, CompletionResponseSchema } from "./completions_schema.ts";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  });
  return rest;
}

const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [
    String(status),
    { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: ref("Error") } } },
  ]));

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (bad parameter, malformed JSON, prompt too long for the context)",
  401: "Missing or unknown API key",
  404: "Unknown model",
  413: "Request body too large",
  415: "Body is not application/json",
  429: "Engine overloaded; retry after Retry-After seconds",
  500: "Unexpected server error",
  503: "Server shutting down",
};

/** A JSON-body POST behind the API keys: its 200 response and its error statuses. */
function postPath(summary: string, request: string, ok: Record<string, unknown>, errors: number[]) {
  return {
    post: {
      summary,
      security: [{ bearerAuth: [] }],
      requestBody: { required: true, content: { "application/json": { schema: ref(request) } } },
      responses: { "200": ok, ...errorResponses(...errors) },
    },
  };
}

function generationPath(summary: string, request: string, response: string, chunk: string) {
  return postPath(summary, request, {
    description:
      "The completion; with `stream: true`, server-sent events of chunks ending with `data: [DONE]`",
    content: {
      "application/json": { schema: ref(response) },
      "text/event-stream": { schema: ref(chunk) },
    },
  }, [400, 401, 404, 413, 415, 429, 500, 503]);
}

/** A JSON-in, JSON-out POST behind the API keys. */
function jsonPath(summary: string, request: string, response: string) {
  return postPath(
    summary,
    request,
    { description: summary, content: { "application/json": { schema: ref(response) } } },
    [400, 401, 404, 413, 415, 500],
  );
}

const plain = (description: string, type = "text/plain") => ({
  get: { summary: description, responses: { "200": { description, content: { [type]: {} } } } },
});

let cached: Record<string, unknown> | undefined;

/**
 * The document (built once).
 *
 * @example
 * ```ts
 * import { openApiDocument } from "./openapi.ts";
 * const document = openApiDocument() as { openapi: string; paths: Record<string, unknown> };
 * if (document.openapi !== "3.1.0" || !("/v1/chat/completions" in document.paths)) throw new Error();
 * ```
 */
export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: "3.1.0",
    info: {
      title: "IAMA gateway",
      version: "1.0.0",
      description: "OpenAI-compatible completions and chat completions served by the gateway's own models.",
    },
    paths: {
      "/v1/completions": generationPath(
        "Create a completion",
        "CreateCompletionRequest",
        "Completion",
        "Completion",
      ),
      "/v1/chat/completions": generationPath(
        "Create a chat completion",
        "CreateChatCompletionRequest",
        "ChatCompletion",
        "ChatCompletionChunk",
      ),
      "/v1/models": {
        get: {
          summary: "List the served models",
          security: [{ bearerAuth: [] }],
          responses: {
            "200": {
              description: "The models",
              content: { "application/json": { schema: ref("ModelList") } },
            },
            ...errorResponses(401),
          },
        },
      },
      "/v1/models/{model}": {
        get: {
          summary: "Describe one served model",
          security: [{ bearerAuth: [] }],
          parameters: [{ name: "model", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The model", content: { "application/json": { schema: ref("Model") } } },
            ...errorResponses(401, 404),
          },
        },
      },
      "/tokenize": jsonPath(
        "vLLM's tokenizer: a prompt's ids (or a conversation's, rendered with the chat template)",
        "TokenizeRequest",
        "TokenizeResponse",
      ),
      "/detokenize": jsonPath(
        "vLLM's tokenizer: the text of token ids",
        "DetokenizeRequest",
        "DetokenizeResponse",
      ),
      "/healthz": plain("Liveness: the process serves HTTP", "application/json"),
      "/readyz": plain("Readiness: models loaded and not shutting down (503 otherwise)", "application/json"),
      "/metrics": plain("Prometheus text exposition"),
      "/openapi.json": plain("This document", "application/json"),
    },
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
      schemas: {
        CreateCompletionRequest: jsonSchema(CompletionRequestSchema, "input"),
        Completion: jsonSchema(CompletionResponseSchema, "output"),
        CreateChatCompletionRequest: jsonSchema(ChatCompletionRequestSchema, "input"),
        ChatCompletion: jsonSchema(ChatCompletionResponseSchema, "output"),
        ChatCompletionChunk: jsonSchema(ChatCompletionChunkSchema, "output"),
        Model: jsonSchema(ModelObjectSchema, "output"),
        ModelList: jsonSchema(ModelListSchema, "output"),
        Error: jsonSchema(ErrorResponseSchema, "output"),
        TokenizeRequest: jsonSchema(TokenizeRequestSchema, "input"),
        TokenizeResponse: jsonSchema(TokenizeResponseSchema, "output"),
        DetokenizeRequest: jsonSchema(DetokenizeRequestSchema, "input"),
        DetokenizeResponse: jsonSchema(DetokenizeResponseSchema, "output"),
      },
    },
  };
  return cached;
}
