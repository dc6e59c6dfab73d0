/**
 * Engine results → `/v1/chat/completions` wire objects: the whole response, and stream chunks
 * one engine event at a time (each choice's first chunk carries `delta.role`).
 *
 * @module
 */
import type { GeneratedToken, GenerationEvent } from "../models/engine/types.ts";
import type {
  ChatCompletionChunk,
  ChatCompletionResponse,
  ChatTokenLogprob,
} from "./chat_completions_schema.ts";
import { type ResponseMeta, sumUsage, type Usage, wireFinishReason } from "./common_schema.ts";
import type { CollectedGeneration, StartedEvent } from "./generation.ts";

const encoder = new TextEncoder();

/**
 * One token's chat log-prob entry, with its UTF-8 bytes and alternatives.
 *
 * @example
 * ```ts
 * import { chatTokenLogprob } from "./chat_completions_response.ts";
 * const entry = chatTokenLogprob({ tokenId: 5, text: "é", logprob: -1, topLogprobs: [{ tokenId: 6, text: "e", logprob: -2 }] });
 * if (entry.bytes?.join() !== "195,169" || entry.top_logprobs[0].token !== "e") throw new Error();
 * ```
 */
export function chatTokenLogprob(token: GeneratedToken): ChatTokenLogprob {
  return {
    token: token.text,
    logprob: token.logprob,
    bytes: [...encoder.encode(token.text)],
    top_logprobs: (token.topLogprobs ?? []).map((alternative) => ({
      token: alternative.text,
      logprob: alternative.logprob,
      bytes: [...encoder.encode(alternative.text)],
    })),
  };
}

/**
 * The non-streamed response. Tokens in `endTokenIds` (end of sequence) are left out of the
 * log-probs, as OpenAI's chat API does: they are not part of the content.
 */
export function chatCompletionResponse(
  meta: ResponseMeta,
  generation: CollectedGeneration,
  withLogprobs: boolean,
  endTokenIds: readonly number[],
): ChatCompletionResponse {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: generation.candidates.map((candidate, index) => ({
      index,
      message: { role: "assistant", content: candidate.text, refusal: null },
      logprobs: withLogprobs
        ? {
          content: candidate.tokens.filter((t) => !endTokenIds.includes(t.tokenId)).map(chatTokenLogprob),
          refusal: null,
        }
        : null,
      finish_reason: wireFinishReason(candidate.finishReason),
    })),
    usage: sumUsage([generation.started], generation.candidates.map((c) => c.completionTokens)),
  };
}

/** Turns the engine events of a streamed chat request into chunks (end-of-sequence tokens send none). */
export class ChatCompletionStream {
  private readonly completionTokens: number[];
  private readonly finishReasons: ("stop" | "length")[] = [];

  constructor(
    private readonly meta: ResponseMeta,
    private readonly started: StartedEvent,
    private readonly n: number,
    private readonly withLogprobs: boolean,
    private readonly includeUsage: boolean,
    private readonly endTokenIds: readonly number[],
  ) {
    this.completionTokens = new Array(n).fill(0);
  }

  /** One chunk per choice announcing the assistant's role. */
  openingChunks(): ChatCompletionChunk[] {
    return Array.from(
      { length: this.n },
      (_, index) =>
        this.chunk([{
          index,
          delta: { role: "assistant", content: "" },
          logprobs: null,
          finish_reason: null,
        }]),
    );
  }

  /** The chunk for one engine event, or undefined when it carries nothing to send. */
  eventChunk(_source: number, event: GenerationEvent): ChatCompletionChunk | undefined {
    if (event.type === "finished") {
      this.completionTokens[event.candidate] = event.completionTokens;
      const reason = wireFinishReason(event.reason);
      this.finishReasons.push(reason);
      const delta = event.textDelta === "" ? {} : { content: event.textDelta };
      return this.chunk([{ index: event.candidate, delta, logprobs: null, finish_reason: reason }]);
    }
    if (event.type !== "token" || event.textDelta === "" && !this.withLogprobs) return undefined;
    if (event.textDelta === "" && this.endTokenIds.includes(event.token.tokenId)) return undefined;
    return this.chunk([{
      index: event.candidate,
      delta: { content: event.textDelta },
      logprobs: this.withLogprobs ? { content: [chatTokenLogprob(event.token)], refusal: null } : null,
      finish_reason: null,
    }]);
  }

  /** Totals so far (complete once every choice finished). */
  usage(): Usage {
    return sumUsage([this.started], this.completionTokens);
  }

  /** Finish reasons in the order choices finished. */
  finishReasonsSeen(): string[] {
    return [...this.finishReasons];
  }

  /** The last chunk with `stream_options.include_usage`: no choices, the usage. */
  usageChunk(): ChatCompletionChunk {
    return { ...this.chunk([]), usage: this.usage() };
  }

  private chunk(choices: ChatCompletionChunk["choices"]): ChatCompletionChunk {
    const { id, created, model, systemFingerprint } = this.meta;
    const chunk: ChatCompletionChunk = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: systemFingerprint,
      choices,
    };
    if (this.includeUsage) chunk.usage = null;
    return chunk;
  }
}
