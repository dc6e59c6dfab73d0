/**
 * `POST /v1/chat/completions`: validate, render the conversation with the model's chat
 * template, tokenize, start one engine request (its n candidates share the prefill), then
 * answer with the whole response or stream chunks.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { type AlignedOutput, chosenAsStream, runAligned, withReceipt } from "./alignment.ts";
import {
  ALIGNMENT_HEADER,
  type AlignmentSpec,
  checkAlignedRequest,
  readAlignmentSpec,
} from "./alignment_schema.ts";
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
  toGenerationRequest,
} from "./chat_completions_schema.ts";
import { chatCompletionResponse, ChatCompletionStream } from "./chat_completions_response.ts";
import { renderChatPrompt } from "./chat_template.ts";
import type { ResponseMeta } from "./common_schema.ts";
import {
  type AppEnv,
  findModel,
  type RequestAbort,
  requestAbort,
  responseId,
  type RouteDeps,
  unixSeconds,
} from "./deps.ts";
import { collectGeneration, startGenerations } from "./generation.ts";
import { errorType, streamResponse, throwIfShutDown, tokenUsage } from "./streaming.ts";
import { GenerationTelemetry } from "./telemetry.ts";
import { validatedJson } from "./validation.ts";
import type { ModelInfo } from "../models/engine/types.ts";

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
    const spec = readAlignmentSpec(body.alignment, c.req.header(ALIGNMENT_HEADER));
    try {
      const promptIds = await deps.engine.tokenize(model.name, prompt);
      if (spec !== undefined) {
        return await alignedChat(c, deps, { body, model, prompt, promptIds, spec, telemetry, abort });
      }
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

/** Everything the aligned path of one chat request needs. */
interface AlignedChat {
  body: ChatCompletionRequest;
  model: ModelInfo;
  /** The rendered conversation (what criteria see as the prompt). */
  prompt: string;
  promptIds: number[];
  spec: AlignmentSpec;
  telemetry: GenerationTelemetry;
  abort: RequestAbort;
}

/** The aligned path: one answer chosen by the spec's aligner, with its receipt. */
async function alignedChat(c: Context<AppEnv>, deps: RouteDeps, request: AlignedChat): Promise<Response> {
  const { body, model, promptIds, telemetry, abort } = request;
  checkAlignedRequest({ n: body.n ?? 1, logprobs: body.logprobs === true, prompts: 1 });
  const sampling = toGenerationRequest(body, promptIds, model.contextLength, deps.defaults).sampling;
  telemetry.requested({ ...sampling, n: 1 });
  const output: AlignedOutput = await runAligned(deps, {
    model: model.name,
    promptIds,
    prompt: request.prompt,
    sampling,
    spec: request.spec,
    seed: body.seed,
    signal: abort.signal,
    telemetry,
  });
  const meta: ResponseMeta = {
    id: responseId("chatcmpl"),
    created: unixSeconds(),
    model: model.name,
    systemFingerprint: output.generation.started.modelVersion,
  };
  telemetry.started(meta.id, meta.systemFingerprint);
  throwIfShutDown(output.generation.candidates[0].finishReason, deps.shutdownSignal);
  if (body.stream === true) {
    const includeUsage = body.stream_options?.include_usage === true;
    const generation = chosenAsStream(output);
    const writer = new ChatCompletionStream(
      meta,
      generation.started,
      1,
      false,
      includeUsage,
      model.eosTokenIds,
    );
    return streamResponse(c, deps, {
      generations: [generation],
      writer: withReceipt(writer, output),
      telemetry,
      abort,
      includeUsage,
      promptParam: "messages",
    });
  }
  const response = chatCompletionResponse(meta, output.generation, false, model.eosTokenIds);
  telemetry.finished(tokenUsage(response.usage), response.choices.map((choice) => choice.finish_reason));
  return c.json({
    ...response,
    usage: { ...response.usage, alignment_compute: output.usage },
    alignment: output.receipt,
  });
}
