/**
 * Bench support: one request sent down either path — the engine's generate loop called directly,
 * or `POST /v1/chat/completions` on a running gateway (official client, plain fetch, or streamed)
 * — with what came back in one shape, so that the bench can compare them field by field.
 *
 * @module
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { GenerationEngine, GenerationRequest } from "../models/engine/types.ts";

/** One request, as both paths send it. */
export interface Job {
  /** The user message (HTTP); `promptIds` is its chat prompt tokenized as the server does (engine). */
  content: string;
  promptIds: number[];
  n: number;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
}

/** What one request produced, on either path. */
export interface Outcome {
  texts: string[];
  finishReasons: string[];
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds from sending to the first non-empty text (streams and the engine). */
  firstTextMs?: number;
  /** Tokens that arrived with log-probs (streams that asked for them). */
  tokensReceived: number;
}

export type Path = (job: Job) => Promise<Outcome>;

/** The paths to one model: `engine` in this process and the gateway at `origin` serving it as `model`. */
export function servePaths(engine: GenerationEngine, origin: string, model: string) {
  const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: "unused-on-loopback", maxRetries: 0 });

  const engineRequest = (job: Job): GenerationRequest => ({
    model,
    promptIds: job.promptIds,
    n: job.n,
    sampling: {
      temperature: job.temperature,
      topP: job.topP,
      topK: 0,
      presencePenalty: 0,
      frequencyPenalty: 0,
      maxTokens: job.maxTokens,
      stop: [],
      ignoreEos: false,
      seed: job.seed,
    },
  });

  /** The wire request for a job (chat, one user message). */
  const httpParams = (job: Job) => ({
    model,
    messages: [{ role: "user" as const, content: job.content }],
    n: job.n,
    max_tokens: job.maxTokens,
    temperature: job.temperature,
    top_p: job.topP,
    seed: job.seed,
  });

  /** The engine's generate loop, called directly. */
  const direct: Path = async (job) => {
    const sent = performance.now();
    const outcome = emptyOutcome(job.n);
    for await (const event of engine.generate(engineRequest(job))) {
      if (event.type === "started") outcome.promptTokens = event.promptTokens;
      if (event.type !== "token" && event.type !== "finished") continue;
      if (event.textDelta !== "") outcome.firstTextMs ??= performance.now() - sent;
      outcome.texts[event.candidate] += event.textDelta;
      if (event.type === "finished") {
        outcome.finishReasons[event.candidate] = event.reason;
        outcome.completionTokens += event.completionTokens;
      }
    }
    return outcome;
  };

  /** `POST /v1/chat/completions` through the official client, whole response. */
  const http: Path = async (job) =>
    replyOutcome(await client.chat.completions.create(httpParams(job)), job.n);

  /** The same with plain fetch (no SDK), to tell the client's cost from the server's. */
  const httpFetch: Path = async (job) => {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(httpParams(job)),
    });
    assert.equal(response.status, 200);
    return replyOutcome(await response.json(), job.n);
  };

  /** `POST /v1/chat/completions` streamed through the client, with the usage chunk (and log-probs to count tokens). */
  const httpStream = (logprobs: boolean): Path => async (job) => {
    const sent = performance.now();
    const stream = await client.chat.completions.create({
      ...httpParams(job),
      stream: true,
      stream_options: { include_usage: true },
      logprobs,
    });
    const outcome = emptyOutcome(job.n);
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        const text = choice.delta.content ?? "";
        if (text !== "") outcome.firstTextMs ??= performance.now() - sent;
        outcome.texts[choice.index] += text;
        outcome.tokensReceived += choice.logprobs?.content?.length ?? 0;
        if (choice.finish_reason !== null) outcome.finishReasons[choice.index] = choice.finish_reason;
      }
      if (chunk.usage) {
        outcome.promptTokens = chunk.usage.prompt_tokens;
        outcome.completionTokens = chunk.usage.completion_tokens;
      }
    }
    return outcome;
  };

  /** A counter of the gateway's engine from `/metrics`. */
  const serverCounter = async (name: string): Promise<number> => {
    const text = await (await fetch(`${origin}/metrics`)).text();
    const match = text.match(new RegExp(`^${name} (\\d+)`, "m"));
    assert.ok(match, `${name} missing from /metrics`);
    return Number(match[1]);
  };

  /** Model runs so far, per path. */
  const forwardPasses = {
    direct: () => Promise.resolve(engine.stats().forwardPasses),
    http: () => serverCounter("engine_forward_passes_total"),
  };

  return { direct, http, httpFetch, httpStream, httpParams, serverCounter, forwardPasses };
}

/** An outcome with nothing in it yet. */
export function emptyOutcome(n: number): Outcome {
  return {
    texts: new Array(n).fill(""),
    finishReasons: new Array(n).fill(""),
    promptTokens: 0,
    completionTokens: 0,
    tokensReceived: 0,
  };
}

function replyOutcome(reply: OpenAI.ChatCompletion, n: number): Outcome {
  const outcome = emptyOutcome(n);
  for (const choice of reply.choices) {
    outcome.texts[choice.index] = choice.message.content ?? "";
    outcome.finishReasons[choice.index] = choice.finish_reason;
  }
  outcome.promptTokens = reply.usage!.prompt_tokens;
  outcome.completionTokens = reply.usage!.completion_tokens;
  return outcome;
}
