/**
 * `POST /v1/completions`: validate, tokenize each prompt, start one engine request per prompt
 * (its candidates share the prefill), then answer with the whole response or stream chunks.
 *
 * @module
 */
import type { Hono } from "hono";
import {
  type CompletionRequest,
  CompletionRequestSchema,
  promptInputs,
  toGenerationRequest,
} from "./completions_schema.ts";
import type { ResponseMeta } from "./common_schema.ts";
import { completionResponse, CompletionStream } from "./completions_response.ts";
import { type AppEnv, findModel, requestAbort, responseId, type RouteDeps, unixSeconds } from "./deps.ts";
import { collectGeneration, startGenerations } from "./generation.ts";
import { errorType, streamResponse, throwIfShutDown, tokenUsage } from "./streaming.ts";
import { GenerationTelemetry } from "./telemetry.ts";
import { validatedJson } from "./validation.ts";
import type { GenerationEngine } from "../models/engine/types.ts";

/** Adds the completions route. */
export function registerCompletions(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.post("/v1/completions", async (c) => {
    const body = await validatedJson(c, CompletionRequestSchema);
    const model = findModel(deps.engine, body.model);
    const telemetry = new GenerationTelemetry(deps.metrics, {
      operation: "text_completion",
      model: model.name,
      requestId: c.get("requestId"),
    });
    const abort = requestAbort(c, deps.shutdownSignal);
    const n = body.n ?? 1;
    const withLogprobs = body.logprobs != null;
    try {
      const prompts = await resolvePrompts(deps.engine, model.name, body);
      const requests = prompts.map((p) =>
        toGenerationRequest(body, p.ids, model.contextLength, deps.defaults)
      );
      telemetry.requested({ ...requests[0].sampling, n });
      const generations = await startGenerations(deps.engine, requests, abort);
      const meta: ResponseMeta = {
        id: responseId("cmpl"),
        created: unixSeconds(),
        model: model.name,
        systemFingerprint: generations[0].started.modelVersion,
      };
      telemetry.started(meta.id, meta.systemFingerprint);

      if (body.stream === true) {
        const echoed = generations.map((g, i) => ({ started: g.started, echoText: prompts[i].echoText }));
        const includeUsage = body.stream_options?.include_usage === true;
        const writer = new CompletionStream(meta, echoed, n, withLogprobs, includeUsage);
        return streamResponse(c, deps, {
          generations,
          writer,
          telemetry,
          abort,
          includeUsage,
          promptParam: "prompt",
        });
      }

      const collected = await Promise.all(
        generations.map((g) => collectGeneration(g, n, () => telemetry.token())),
      );
      for (const { candidates } of collected) {
        for (const candidate of candidates) throwIfShutDown(candidate.finishReason, deps.shutdownSignal);
      }
      const response = completionResponse(
        meta,
        collected.map((generation, i) => ({ generation, echoText: prompts[i].echoText })),
        withLogprobs,
      );
      telemetry.finished(
        tokenUsage(response.usage!),
        response.choices.map((choice) => choice.finish_reason!),
      );
      return c.json(response);
    } catch (error) {
      abort.abort();
      telemetry.failed(errorType(error), String(error));
      throw error;
    }
  });
}

/** Token ids of each prompt, and its text when the request asks for `echo`. */
async function resolvePrompts(
  engine: GenerationEngine,
  model: string,
  body: CompletionRequest,
): Promise<{ ids: number[]; echoText?: string }[]> {
  return await Promise.all(
    promptInputs(body.prompt).map(async (input) => {
      const ids = "ids" in input ? input.ids : await engine.tokenize(model, input.text);
      if (body.echo !== true) return { ids };
      return { ids, echoText: "text" in input ? input.text : await engine.detokenize(model, input.ids) };
    }),
  );
}
