/**
 * `POST /v1/chat/completions`: validate, render the conversation with the model's chat
 * template, tokenize, start one engine request (its n candidates share the prefill), then
 * answer with the whole response or stream chunks.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { firstEventReady, startAligned, withReceipts } from "./alignment.ts";
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
import { type ToolPlan, toolPlan } from "./tool_calls.ts";
import { validatedJson } from "./validation.ts";
import type { ModelInfo } from "../models/engine/types.ts";

/** Adds the chat completions route. */
export function registerChatCompletions(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.post("/v1/chat/completions", async (c) => {
    const body = await validatedJson(c, ChatCompletionRequestSchema);
    const model = findModel(deps.engine, body.model);
    const prompt = renderChatPrompt(model, body.messages, {
      tools: body.tools ?? undefined,
      addGenerationPrompt: body.add_generation_prompt ?? undefined,
      continueFinalMessage: body.continue_final_message ?? false,
    });
    const tools = toolPlan(body.tools, body.tool_choice, body.parallel_tool_calls);
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
        return await alignedChat(c, deps, { body, model, prompt, promptIds, spec, tools, telemetry, abort });
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
          tools,
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
      const response = chatCompletionResponse(meta, collected, withLogprobs, model.eosTokenIds, tools);
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
  /** Forced tool calls, if any (every candidate is constrained to a call; the chosen one is returned as one). */
  tools: ToolPlan;
  telemetry: GenerationTelemetry;
  abort: RequestAbort;
}

/**
 * The aligned path: n answers each chosen by a run of the spec's aligner, with a receipt per answer
 * (the response's `alignment` is choice 0's; with n > 1 each choice carries its own).
 */
async function alignedChat(c: Context<AppEnv>, deps: RouteDeps, request: AlignedChat): Promise<Response> {
  const { body, model, promptIds, telemetry, abort } = request;
  checkAlignedRequest({ prompts: 1 });
  const sampling = toGenerationRequest(body, promptIds, model.contextLength, deps.defaults).sampling;
  const n = body.n ?? 1;
  const withLogprobs = body.logprobs === true;
  telemetry.requested({ ...sampling, n });
  const run = startAligned(deps, {
    model: model.name,
    promptIds,
    prompt: request.prompt,
    sampling,
    spec: request.spec,
    seed: body.seed,
    n,
    signal: abort.signal,
    telemetry,
  });
  const meta = (modelVersion: string): ResponseMeta => ({
    id: responseId("chatcmpl"),
    created: unixSeconds(),
    model: model.name,
    systemFingerprint: modelVersion,
  });
  if (body.stream === true) {
    const streamMeta = meta(run.generation.started.modelVersion);
    telemetry.started(streamMeta.id, streamMeta.systemFingerprint);
    const includeUsage = body.stream_options?.include_usage === true;
    const writer = new ChatCompletionStream(
      streamMeta,
      run.generation.started,
      n,
      withLogprobs,
      includeUsage,
      model.eosTokenIds,
      request.tools,
    );
    return streamResponse(c, deps, {
      generations: [await firstEventReady(run)],
      writer: withReceipts(writer, run),
      telemetry,
      abort,
      includeUsage,
      promptParam: "messages",
    });
  }
  const output = await run.output;
  const responseMeta = meta(output.generation.started.modelVersion);
  telemetry.started(responseMeta.id, responseMeta.systemFingerprint);
  for (const candidate of output.generation.candidates) {
    throwIfShutDown(candidate.finishReason, deps.shutdownSignal);
  }
  const response = chatCompletionResponse(
    responseMeta,
    output.generation,
    withLogprobs,
    model.eosTokenIds,
    request.tools,
  );
  telemetry.finished(tokenUsage(response.usage), response.choices.map((choice) => choice.finish_reason));
  const choices = n === 1
    ? response.choices
    : response.choices.map((choice, i) => ({ ...choice, alignment: output.receipts[i] }));
  return c.json({
    ...response,
    choices,
    usage: { ...response.usage, alignment_compute: output.usage },
    alignment: output.receipts[0],
  });
}
