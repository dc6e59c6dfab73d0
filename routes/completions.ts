/**
 * `POST /v1/completions`: validate, tokenize each prompt, start one engine request per prompt
 * (its candidates share the prefill), then answer with the whole response or stream chunks.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { firstEventReady, startAligned, withReceipts } from "./alignment.ts";
import {
  ALIGNMENT_HEADER,
  type AlignmentSpec,
  bestOfSpec,
  checkAlignedRequest,
  readAlignmentSpec,
} from "./alignment_schema.ts";
import {
  type CompletionRequest,
  CompletionRequestSchema,
  completionSampling,
  promptInputs,
  toGenerationRequest,
} from "./completions_schema.ts";
import type { ResponseMeta } from "./common_schema.ts";
import { completionResponse, CompletionStream } from "./completions_response.ts";
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
    const spec = readAlignmentSpec(body.alignment, c.req.header(ALIGNMENT_HEADER)) ??
      (body.best_of != null && body.best_of > n
        ? bestOfSpec(body.best_of, deps.alignment.defaultSpec)
        : undefined);
    try {
      if (spec !== undefined) return await alignedCompletion(c, deps, body, spec, telemetry, abort);
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

/**
 * The aligned path: one prompt, n answers each chosen by a run of the spec's aligner, with a receipt
 * per answer (the response's `alignment` is choice 0's; with n > 1 each choice carries its own).
 */
async function alignedCompletion(
  c: Context<AppEnv>,
  deps: RouteDeps,
  body: CompletionRequest,
  spec: AlignmentSpec,
  telemetry: GenerationTelemetry,
  abort: RequestAbort,
): Promise<Response> {
  const inputs = promptInputs(body.prompt);
  const withLogprobs = body.logprobs != null;
  checkAlignedRequest({ prompts: inputs.length, echoLogprobs: body.echo === true && withLogprobs });
  const model = findModel(deps.engine, body.model);
  const [input] = inputs;
  const ids = "ids" in input ? input.ids : await deps.engine.tokenize(model.name, input.text);
  const text = "text" in input ? input.text : await deps.engine.detokenize(model.name, input.ids);
  const echoText = body.echo === true ? text : undefined;
  const sampling = completionSampling(body, ids.length, model.contextLength, deps.defaults);
  const n = body.n ?? 1;
  telemetry.requested({ ...sampling, n });
  const run = startAligned(deps, {
    model: model.name,
    promptIds: ids,
    prompt: text,
    sampling,
    spec,
    seed: body.seed,
    n,
    signal: abort.signal,
    telemetry,
  });
  if (body.stream === true) {
    const meta = responseMeta(model.name, run.generation.started.modelVersion);
    telemetry.started(meta.id, meta.systemFingerprint);
    const includeUsage = body.stream_options?.include_usage === true;
    const writer = new CompletionStream(
      meta,
      [{ started: run.generation.started, echoText }],
      n,
      withLogprobs,
      includeUsage,
    );
    return streamResponse(c, deps, {
      generations: [await firstEventReady(run)],
      writer: withReceipts(writer, run),
      telemetry,
      abort,
      includeUsage,
      promptParam: "prompt",
    });
  }
  const output = await run.output;
  const meta = responseMeta(model.name, output.generation.started.modelVersion);
  telemetry.started(meta.id, meta.systemFingerprint);
  for (const candidate of output.generation.candidates) {
    throwIfShutDown(candidate.finishReason, deps.shutdownSignal);
  }
  const response = completionResponse(meta, [{ generation: output.generation, echoText }], withLogprobs);
  telemetry.finished(tokenUsage(response.usage!), response.choices.map((choice) => choice.finish_reason!));
  const choices = n === 1
    ? response.choices
    : response.choices.map((choice, i) => ({ ...choice, alignment: output.receipts[i] }));
  return c.json({
    ...response,
    choices,
    usage: { ...response.usage!, alignment_compute: output.usage },
    alignment: output.receipts[0],
  });
}

function responseMeta(model: string, modelVersion: string): ResponseMeta {
  return { id: responseId("cmpl"), created: unixSeconds(), model, systemFingerprint: modelVersion };
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
