/**
 * `POST /v1/chat/completions`: validate, render the conversation with the model's chat
 * template, tokenize, start one engine request (its n candidates share the prefill), then
 * answer with the whole response or stream chunks.
 *
 * @module
 */
import type { Hono } from "hono";
import { ChatCompletionRequestSchema, toGenerationRequest } from "./chat_completions_schema.ts";
import { chatCompletionResponse, ChatCompletionStream } from "./chat_completions_response.ts";
import { renderChatPrompt } from "./chat_template.ts";
import type { ResponseMeta } from "./common_schema.ts";
import { type AppEnv, findModel, requestAbort, responseId, type RouteDeps, unixSeconds } from "./deps.ts";
import { collectGeneration, startGenerations } from "./generation.ts";
import { errorType, streamResponse, throwIfShutDown, tokenUsage } from "./streaming.ts";
import { GenerationTelemetry } from "./telemetry.ts";
import { validatedJson } from "./validation.ts";

/** Adds the chat completions route. */
export function registerChatCompletions(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.post("/v1/chat/completions", async (c) => {
    const body = await validatedJson(c, ChatCompletionRequestSchema);
    const model = findModel(deps.engine, body.model);
    const prompt = renderChatPrompt(model, body.messages);
    const telemetry = new GenerationTelemetry(deps.metrics, {
      operation: "chat",
      model: model.name,
      requestId: c.get("requestId"),
    });
    const abort = requestAbort(c, deps.shutdownSignal);
    const n = body.n ?? 1;
    const withLogprobs = body.logprobs === true;
    try {
      const promptIds = await deps.engine.tokenize(model.name, prompt);
      const request = toGenerationRequest(body, promptIds, model.contextLength, deps.defaults);
      telemetry.requested({ ...request.sampling, n });
      const [generation] = await startGenerations(deps.engine, [request], abort);
      const meta: ResponseMeta = {
        id: responseId("chatcmpl"),
        created: unixSeconds(),
        model: model.name,
        systemFingerprint: generation.started.modelVersion,
      };
      telemetry.started(meta.id, meta.systemFingerprint);

      if (body.stream === true) {
        const includeUsage = body.stream_options?.include_usage === true;
        const writer = new ChatCompletionStream(
          meta,
          generation.started,
          n,
          withLogprobs,
          includeUsage,
          model.eosTokenIds,
        );
        return streamResponse(c, deps, {
          generations: [generation],
          writer,
          telemetry,
          abort,
          includeUsage,
          promptParam: "messages",
        });
      }

      const collected = await collectGeneration(generation, n, () => telemetry.token());
      for (const candidate of collected.candidates) {
        throwIfShutDown(candidate.finishReason, deps.shutdownSignal);
      }
      const response = chatCompletionResponse(meta, collected, withLogprobs, model.eosTokenIds);
      telemetry.finished(tokenUsage(response.usage), response.choices.map((choice) => choice.finish_reason));
      return c.json(response);
    } catch (error) {
      abort.abort();
      telemetry.failed(errorType(error), String(error));
      throw error;
    }
  });
}
