/**
 * The SSE response both completion routes stream: engine events → chunks (by a route's
 * writer) → `data:` events → `data: [DONE]`, with the usage chunk when asked, an error event
 * if the engine fails midway, and the engine request aborted when the client disconnects.
 *
 * @module
 */
import type { Context } from "hono";
import { EngineClosedError } from "../models/engine/errors.ts";
import type { FinishReason, GenerationEvent } from "../models/engine/types.ts";
import type { Usage } from "./common_schema.ts";
import { type AppEnv, type RequestAbort, type RouteDeps, streamErrorEvent } from "./deps.ts";
import { mergeGenerations, type StartedGeneration } from "./generation.ts";
import { SSE_DONE, SSE_HEADERS, sseData, sseStream } from "./sse.ts";
import type { GenerationTelemetry } from "./telemetry.ts";

/** Turns one route's engine events into its wire chunks. */
export interface ChunkWriter {
  /** Chunks sent before any engine event (chat: the role; completions: echoed prompts). */
  openingChunks(): unknown[];
  /** The chunk for one event of generation `source`, if it carries anything. */
  eventChunk(source: number, event: GenerationEvent): unknown | undefined;
  /** The final chunk with `stream_options.include_usage`. */
  usageChunk(): unknown;
  usage(): Usage;
  finishReasonsSeen(): string[];
}

/** Usage in the telemetry's terms. */
export function tokenUsage(usage: Usage): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

/** A candidate cancelled by the server's shutdown (not by its client) ends the request with a 503. */
export function throwIfShutDown(reason: FinishReason, shutdownSignal: AbortSignal): void {
  if (reason === "cancelled" && shutdownSignal.aborted) {
    throw new EngineClosedError("the server is shutting down; retry on another instance");
  }
}

/** Everything one streamed request needs. */
export interface StreamOptions {
  generations: readonly StartedGeneration[];
  writer: ChunkWriter;
  telemetry: GenerationTelemetry;
  abort: RequestAbort;
  includeUsage: boolean;
  /** `messages` or `prompt`, for context-length errors. */
  promptParam: string;
}

/** The streamed response. */
export function streamResponse(c: Context<AppEnv>, deps: RouteDeps, options: StreamOptions): Response {
  const { generations, writer, telemetry, abort } = options;
  const requestId = c.get("requestId");

  async function* events(): AsyncGenerator<string> {
    for (const chunk of writer.openingChunks()) yield sseData(chunk);
    for await (const { source, event } of mergeGenerations(generations)) {
      if (event.type === "token") telemetry.token();
      if (event.type === "finished") throwIfShutDown(event.reason, deps.shutdownSignal);
      const chunk = writer.eventChunk(source, event);
      if (chunk !== undefined) yield sseData(chunk);
    }
    telemetry.finished(tokenUsage(writer.usage()), writer.finishReasonsSeen());
    if (options.includeUsage) yield sseData(writer.usageChunk());
    yield SSE_DONE;
  }

  const body = sseStream(events(), {
    onError(error) {
      abort.abort();
      telemetry.failed(errorType(error), String(error), tokenUsage(writer.usage()));
      return streamErrorEvent(error, options.promptParam, requestId, deps.log);
    },
    onCancel() {
      abort.abort();
      telemetry.failed("cancelled", "the client disconnected", tokenUsage(writer.usage()));
    },
  });
  return c.body(body, 200, SSE_HEADERS);
}

/** A short name of an error for `error.type`. */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}
